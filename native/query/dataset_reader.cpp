#include "query/dataset_reader.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/names.hpp"
#include "core/schema_evolution.hpp"
#include "core/status.hpp"
#include "query/query_stream.hpp"
#include "storage/manifest_store.hpp"

namespace simingest::query {

namespace {

using Json = nlohmann::ordered_json;

storage::Manifest load(const std::string& root, const storage::ManifestTexts& texts) {
  storage::LoadedManifest loaded = storage::load_manifest_copies(root, texts);
  if (!loaded.manifest)
    throw Error(Status::io, root + ": no manifest (" + root + "/_simingest/" + storage::kManifestName +
                                "): not a simingest dataset");
  return std::move(*loaded.manifest);
}

std::string manifest_path(const std::string& root) {
  return root + "/_simingest/" + storage::kManifestName;
}

}  // namespace

std::vector<FileColumn> columns_of_schema(const std::string& schema_text) {
  std::vector<FileColumn> columns;
  const Json schema = Json::parse(schema_text, nullptr, /*allow_exceptions=*/false);
  if (!schema.is_object() || !schema.contains("columns") || !schema["columns"].is_array()) return columns;
  for (const Json& column : schema["columns"]) {
    const std::optional<Dtype> dtype = dtype_from_name(column.value("dtype", ""));
    if (dtype) columns.push_back({column.value("name", ""), *dtype});
  }
  return columns;
}

namespace {

// The stream's table over every schema version (core/schema_evolution.hpp):
// the newest schema with the unified columns in place of its own; which of
// them some version lacks goes to `nullable`.
std::string unified_schema_text(const std::string& newest, const std::vector<storage::SchemaVersion>& history,
                                std::vector<bool>& nullable) {
  std::vector<std::string> texts;
  for (const storage::SchemaVersion& v : history) texts.push_back(v.schema);
  Json schema = Json::parse(newest, nullptr, /*allow_exceptions=*/false);
  Json columns = Json::array();
  nullable.clear();
  for (const UnifiedColumn& column : unified_columns(texts)) {
    columns.push_back(Json{{"name", column.name}, {"dtype", std::string(dtype_name(column.dtype))}});
    nullable.push_back(!column.in_every_version);
  }
  schema["columns"] = std::move(columns);
  return schema.dump();
}

}  // namespace

StreamConfig stream_config_from_schema(const std::string& stream, const std::string& schema_text,
                                       const std::string& source) {
  // The stored schema lists columns as [{"name", "dtype"}]; the configuration
  // document takes them as {"<name>": "<dtype>"}. Rewritten into a one-stream
  // document so that core/config validates it with every rule it applies to
  // a configuration.
  const std::string where = source + ": corrupt manifest: streams." + stream + ".schema: ";
  const Json schema = Json::parse(schema_text, nullptr, /*allow_exceptions=*/false);
  if (!schema.is_object()) throw Error(Status::corrupt, where + "expected an object");
  Json columns = Json::object();
  const auto list = schema.find("columns");
  if (list == schema.end() || !list->is_array()) throw Error(Status::corrupt, where + "columns: expected an array");
  for (const Json& column : *list) {
    if (!column.is_object() || !column.contains("name") || !column["name"].is_string() || !column.contains("dtype"))
      throw Error(Status::corrupt, where + "columns: expected objects with a name and a dtype");
    columns[column["name"].get<std::string>()] = column["dtype"];
  }
  Json document = Json::object();
  Json& entry = document["streams"][stream];
  entry["columns"] = std::move(columns);
  if (auto grid = schema.find("grid"); grid != schema.end() && !(grid->is_array() && grid->empty()))
    entry["grid"] = *grid;
  if (auto partition = schema.find("partition"); partition != schema.end() && !(partition->is_object() && partition->empty()))
    entry["partition"] = *partition;
  try {
    Config config = parse_config(document.dump());
    return std::move(config.streams.front());
  } catch (const Error& e) {
    throw Error(Status::corrupt, where + e.what());
  }
}

DatasetReader::DatasetReader(const std::string& root) {
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(root, ec);
  root_ = ec ? root : absolute.lexically_normal().string();
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  manifest();
}

std::shared_ptr<const storage::Manifest> DatasetReader::manifest() const {
  // Keyed on the very texts the cached manifest was loaded from: the same
  // texts always load the same manifest, and each copy is read once a query.
  storage::ManifestTexts texts = storage::read_manifest_texts(root_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cached_ && texts == cached_texts_) return cached_;
  }
  auto loaded = std::make_shared<const storage::Manifest>(load(root_, texts));
  std::lock_guard<std::mutex> lock(mutex_);
  cached_texts_ = std::move(texts);
  cached_ = loaded;
  return loaded;
}

StreamSnapshot DatasetReader::snapshot(const std::string& stream) const {
  const std::shared_ptr<const storage::Manifest> held = manifest();
  const storage::Manifest& manifest = *held;
  const std::pair<std::string, std::string>* found = nullptr;
  std::string names;
  for (const auto& entry : manifest.streams) {
    if (entry.first == stream) found = &entry;
    names += (names.empty() ? "" : ", ") + entry.first;
  }
  if (found == nullptr)
    throw Error(Status::unknown_stream, "query: unknown stream " + quote_name(stream) + " (the dataset holds: " +
                                            (names.empty() ? std::string("no stream") : names) + ")");
  StreamSnapshot snapshot;
  snapshot.stream = stream;
  const auto history = manifest.schema_histories.find(stream);
  std::vector<std::vector<FileColumn>> version_columns;  // by version - 1, for an evolved stream
  if (history == manifest.schema_histories.end()) {
    snapshot.config = stream_config_from_schema(stream, found->second, manifest_path(root_));
  } else {
    snapshot.config = stream_config_from_schema(
        stream, unified_schema_text(found->second, history->second, snapshot.nullable), manifest_path(root_));
    for (const storage::SchemaVersion& v : history->second) version_columns.push_back(columns_of_schema(v.schema));
  }
  for (const storage::ManifestFile& file : manifest.files) {
    if (file.stream != stream) continue;
    FilePart part;
    // The manifest check guarantees the version exists.
    if (!version_columns.empty()) part.columns = version_columns.at(static_cast<std::size_t>(file.schema_version - 1));
    part.path = root_ + "/" + file.path;
    part.step_min = file.step_min;
    part.step_max = file.step_max;
    part.time_min = file.time_min;
    part.time_max = file.time_max;
    part.index = file.row_group_index;
    snapshot.files.push_back(std::move(part));
  }
  return snapshot;
}

void DatasetReader::query(const std::string& stream, const QuerySpec& spec, ArrowArrayStream* out) const {
  // The ranges first: a bad spec is refused without reading anything.
  check_query_ranges(spec, "stream " + quote_name(stream) + ": query: ");
  StreamSnapshot snap = snapshot(stream);
  ResolvedQuery resolved = resolve_query(snap.config, spec);
  for (OutputColumn& column : resolved.columns)
    column.nullable = column.declared_index < snap.nullable.size() && snap.nullable[column.declared_index];
  const uint64_t limit = spec.memory_limit != 0 ? spec.memory_limit : kDefaultQueryMemoryLimit;
  make_query_stream(std::move(snap), std::move(resolved), limit, footers_, out);
}

std::string DatasetReader::streams_json() const {
  const std::shared_ptr<const storage::Manifest> held = manifest();
  const storage::Manifest& manifest = *held;
  Json streams = Json::array();
  for (const auto& [name, schema] : manifest.streams) {
    Json parsed = Json::parse(schema, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded())
      throw Error(Status::corrupt, manifest_path(root_) + ": corrupt manifest: streams." + name + ".schema: not JSON");
    streams.push_back(Json{{"name", name}, {"schema", std::move(parsed)}});
  }
  return Json{{"streams", std::move(streams)}}.dump();
}

}  // namespace simingest::query
