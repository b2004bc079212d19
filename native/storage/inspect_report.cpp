#include "storage/inspect_report.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

#include "core/status.hpp"
#include "storage/durable_steps.hpp"
#include "storage/index_statistics.hpp"
#include "storage/manifest_store.hpp"
#include "storage/quarantined_json.hpp"
#include "storage/parquet_schema_report.hpp"
#include "storage/shared_dataset.hpp"

namespace simingest::storage {

namespace {

using Json = nlohmann::ordered_json;

struct ColumnTotals {
  uint64_t uncompressed = 0, compressed = 0;
};

Json ratio(uint64_t uncompressed, uint64_t compressed) {
  if (compressed == 0) return Json(nullptr);
  return Json(static_cast<double>(uncompressed) / static_cast<double>(compressed));
}

Json range(double lo, double hi) { return Json{{"min", lo}, {"max", hi}}; }
Json range(int64_t lo, int64_t hi) { return Json{{"min", lo}, {"max", hi}}; }

// A stream schema as the manifest stores it (canonical_schema_text of the
// engine's stream_schema_json). The manifest check only requires an object,
// so the members inspect shows are checked here, naming what is wrong.
class SchemaReader {
 public:
  SchemaReader(std::string source, const std::string& stream)
      : source_(std::move(source)), where_("streams." + stream + ".schema") {}

  [[noreturn]] void fail(const std::string& key, const char* what) const {
    throw Error(Status::corrupt, source_ + ": corrupt manifest: " + where_ + key + ": " + what);
  }

  const Json& member(const Json& schema, const char* key, bool (Json::*is)() const noexcept,
                     const char* expected) const {
    auto it = schema.find(key);
    if (it == schema.end()) fail(std::string(".") + key, "missing");
    if (!((*it).*is)()) fail(std::string(".") + key, expected);
    return *it;
  }

  // Name and dtype of each declared column, in declaration order.
  std::vector<std::pair<std::string, std::string>> columns(const Json& schema) const {
    std::vector<std::pair<std::string, std::string>> out;
    const Json& list = member(schema, "columns", &Json::is_array, "expected an array");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string at = ".columns[" + std::to_string(i) + "]";
      const Json& column = list[i];
      if (!column.is_object()) fail(at, "expected an object");
      auto name = column.find("name");
      auto dtype = column.find("dtype");
      if (name == column.end() || !name->is_string()) fail(at + ".name", "expected a string");
      if (dtype == column.end() || !dtype->is_string()) fail(at + ".dtype", "expected a string");
      out.emplace_back(name->get<std::string>(), dtype->get<std::string>());
    }
    return out;
  }

 private:
  std::string source_;
  std::string where_;
};

// The Parquet schema of the stream's newest file; a file that cannot be read
// is reported in the summary, not thrown: inspect still shows the rest.
void add_parquet_schema(Json& out, const std::string& root, const std::string& stream, const Manifest& manifest) {
  const ManifestFile* newest = nullptr;
  for (const ManifestFile& file : manifest.files)
    if (file.stream == stream) newest = &file;
  out["parquetSchema"] = nullptr;
  if (!newest) return;
  try {
    out["parquetSchema"] = parquet_schema_json(root, newest->path);
    out["parquetSchemaFile"] = newest->path;
  } catch (const Error& e) {
    out["parquetSchemaError"] = e.what();
  }
}

Json file_listing(const Manifest& manifest) {
  Json list = Json::array();
  for (const ManifestFile& file : manifest.files)
    list.push_back({{"path", file.path},
                    {"stream", file.stream},
                    {"partition", file.partition},
                    {"rows", file.rows},
                    {"frames", file.frames},
                    {"rowGroups", file.row_groups},
                    {"bytes", file.bytes},
                    {"steps", range(file.step_min, file.step_max)},
                    {"time", range(file.time_min, file.time_max)},
                    {"indexed", !file.row_group_index.empty()},
                    {"committedAt", file.committed_at},
                    {"schemaVersion", file.schema_version}});
  return list;
}

Json stream_summary(const std::string& root, const std::string& name, const std::string& schema_text,
                    const Manifest& manifest, const std::string& source) {
  const SchemaReader reader(source, name);
  const Json schema = Json::parse(schema_text, nullptr, /*allow_exceptions=*/false);
  if (!schema.is_object()) reader.fail("", "expected an object");

  std::map<std::string, ColumnTotals> column_bytes;
  std::set<int64_t> partitions;
  uint64_t files = 0, frames = 0, rows = 0, row_groups = 0, bytes = 0;
  int64_t step_min = 0, step_max = 0;
  double time_min = 0, time_max = 0;
  for (const ManifestFile& file : manifest.files) {
    if (file.stream != name) continue;
    for (const ColumnBytes& column : file.columns) {
      ColumnTotals& sum = column_bytes[column.name];
      sum.uncompressed += static_cast<uint64_t>(column.uncompressed_bytes);
      sum.compressed += static_cast<uint64_t>(column.compressed_bytes);
    }
    partitions.insert(file.partition);
    step_min = files == 0 ? file.step_min : std::min(step_min, file.step_min);
    step_max = files == 0 ? file.step_max : std::max(step_max, file.step_max);
    time_min = files == 0 ? file.time_min : std::min(time_min, file.time_min);
    time_max = files == 0 ? file.time_max : std::max(time_max, file.time_max);
    ++files;
    frames += static_cast<uint64_t>(file.frames);
    rows += static_cast<uint64_t>(file.rows);
    row_groups += static_cast<uint64_t>(file.row_groups);
    bytes += file.bytes;
  }

  // The reserved columns every stream stores first (docs/ON_DISK.md).
  std::vector<std::pair<std::string, std::string>> declared = {{"step", "int64"}, {"time", "float64"}};
  for (auto& column : reader.columns(schema)) declared.push_back(std::move(column));
  const StreamIndexStatistics statistics = stream_index_statistics(manifest.files, name, newest_schema_version(manifest.schema_histories, name));
  std::vector<std::string> declared_names;
  for (std::size_t c = 2; c < declared.size(); ++c) declared_names.push_back(declared[c].first);
  Json index = index_statistics_json(statistics, declared_names);
  Json columns = Json::array();
  for (std::size_t c = 0; c < declared.size(); ++c) {
    const auto& [column, dtype] = declared[c];
    const ColumnTotals sum = column_bytes[column];
    Json entry = {{"name", column},
                  {"dtype", dtype},
                  {"uncompressedBytes", sum.uncompressed},
                  {"compressedBytes", sum.compressed},
                  {"compressionRatio", ratio(sum.uncompressed, sum.compressed)}};
    // Value ranges: step and time from the entries, the others from the index.
    const Json* range_of = c == 0 ? &index["steps"] : c == 1 ? &index["time"] : nullptr;
    if (range_of) {
      entry["min"] = range_of->is_null() ? Json(nullptr) : (*range_of)["min"];
      entry["max"] = range_of->is_null() ? Json(nullptr) : (*range_of)["max"];
      entry["nanCount"] = 0;
    } else if (c - 2 < index["columns"].size()) {
      const Json& stats = index["columns"][c - 2];
      entry["min"] = stats["min"];
      entry["max"] = stats["max"];
      entry["nanCount"] = stats["nanCount"];
    } else {
      entry["min"] = entry["max"] = entry["nanCount"] = nullptr;  // no indexed file
    }
    columns.push_back(std::move(entry));
  }

  Json out;
  out["name"] = name;
  out["columns"] = std::move(columns);
  out["grid"] = reader.member(schema, "grid", &Json::is_array, "expected an array");
  out["partitioning"] = reader.member(schema, "partition", &Json::is_object, "expected an object");
  out["partitions"] = Json(std::vector<int64_t>(partitions.begin(), partitions.end()));
  out["files"] = files;
  out["frames"] = frames;
  out["rows"] = rows;
  out["rowGroups"] = row_groups;
  out["bytes"] = bytes;
  out["steps"] = files == 0 ? Json(nullptr) : range(step_min, step_max);
  out["time"] = files == 0 ? Json(nullptr) : range(time_min, time_max);
  out["index"] = std::move(index);
  // Every stream has a version; only streams that evolved have a history.
  out["schemaVersion"] = newest_schema_version(manifest.schema_histories, name);
  const auto history = manifest.schema_histories.find(name);
  out["schemaHistory"] = history == manifest.schema_histories.end() ? Json::array()
                                                                   : schema_history_json(history->second);
  add_parquet_schema(out, root, name, manifest);
  return out;
}

// Which copy was read, and why not the primary, as "manifestSource" says it.
std::string manifest_source(const std::string& root, const LoadedManifest& loaded) {
  if (!loaded.from_backup) return kManifestName;
  const std::string head = std::string(kManifestBackupName) + " (" + kManifestName;
  // The backup was good, so the only bad copy can be the primary.
  if (loaded.bad.empty()) return head + " missing)";
  const BadManifestCopy& primary = loaded.bad.front();
  std::string why = primary.reason;
  const std::string prefix = root + "/" + primary.relative_path + ": ";
  if (why.compare(0, prefix.size(), prefix) == 0) why.erase(0, prefix.size());
  return head + " damaged: " + why + ")";
}

}  // namespace

namespace {

// The part of the report every dataset has, from the manifest a reader sees
// (a shared dataset's: the union of its writers', storage/shared_dataset.hpp).
Json dataset_report(const std::string& root, const Manifest& manifest, const std::string& source,
                    const std::string& source_text) {
  Json streams = Json::array();
  for (const auto& [name, schema] : manifest.streams)
    streams.push_back(stream_summary(root, name, schema, manifest, source));
  uint64_t bytes = 0;
  for (const ManifestFile& file : manifest.files) bytes += file.bytes;

  Json out;
  out["path"] = root;
  out["formatVersion"] = manifest.version;
  out["manifestSource"] = source_text;
  out["streams"] = std::move(streams);
  out["files"] = manifest.files.size();
  out["bytes"] = bytes;
  out["quarantined"] = quarantined_json(manifest.quarantined);
  out["fileList"] = file_listing(manifest);
  return out;
}

// "writers": the count, each present writer's manifest source and last
// durable steps, and the whole job's checkpoint (the last step durable on
// every writer; null for a stream some writer has not committed yet).
Json writers_report(const std::string& root, uint32_t count, const std::vector<WriterManifest>& writers) {
  Json list = Json::array();
  for (const WriterManifest& writer : writers) {
    DurableSteps steps;
    steps.reset(writer.loaded.manifest->files);
    Json last = Json::object();
    for (const auto& stream : writer.loaded.manifest->streams) {
      const std::optional<int64_t> step = steps.last_step(stream.first);
      last[stream.first] = step ? Json(*step) : Json(nullptr);
    }
    const std::string part = root + "/" + writer_directory(writer.id);
    list.push_back({{"id", writer.id},
                    {"path", writer_directory(writer.id)},
                    {"manifestSource", manifest_source(part, writer.loaded)},
                    {"files", writer.loaded.manifest->files.size()},
                    {"lastDurableSteps", std::move(last)}});
  }
  Json job = Json::object();
  for (const auto& [stream, step] : job_durable_steps(writers, count)) job[stream] = step ? Json(*step) : Json(nullptr);
  return {{"count", count}, {"present", writers.size()}, {"writers", std::move(list)}, {"jobDurableSteps", std::move(job)}};
}

}  // namespace

std::string inspect_report_json(const std::string& root) {
  Json out;
  if (const std::optional<uint32_t> count = shared_writer_count(root)) {
    const std::vector<WriterManifest> writers = load_writer_manifests(root, read_shared_manifest_texts(root));
    const std::string source = root + "/" + writer_directory(0) + "/_simingest/" + kManifestName;
    out = dataset_report(root, union_of_writers(writers), source, "writers");
    out["writers"] = writers_report(root, *count, writers);
  } else {
    const LoadedManifest loaded = load_manifest_copies(root);
    if (!loaded.manifest)
      throw Error(Status::io, root + "/_simingest/" + kManifestName + ": not a simingest dataset (no manifest)");
    const std::string source = root + "/_simingest/" + (loaded.from_backup ? kManifestBackupName : kManifestName);
    out = dataset_report(root, *loaded.manifest, source, manifest_source(root, loaded));
  }
  // Replace, not throw, on invalid UTF-8 in a name: the report still prints.
  return out.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace simingest::storage
