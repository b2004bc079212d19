#include "query/dataset_reader.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/names.hpp"
#include "core/schema_evolution.hpp"
#include "core/status.hpp"
#include "query/query_stream.hpp"
#include "storage/avro_container.hpp"
#include "storage/avro_frame_decoder.hpp"
#include "storage/avro_log_scan.hpp"
#include "storage/manifest_store.hpp"
#include "storage/mapped_file.hpp"
#include "storage/realtime_log_files.hpp"

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

// The records of the stream's realtime log past the manifest's compaction
// mark (docs/ON_DISK.md "Compaction of the realtime log"), decoded, as frames
// after its committed files: a record is in a listed file or past the mark,
// never both. Only whole blocks are read (a writer may be appending). False
// if a segment vanished meanwhile (a compaction moved the mark and retired
// it): the caller takes a new snapshot.
bool add_log_frames(const std::string& root, const storage::LogMark& mark, bool evolved, StreamSnapshot& snapshot) {
  const StreamConfig& config = snapshot.config;
  storage::avro::FrameDecoder decoder(config);
  storage::avro::DecodedFrame frame;
  uint64_t grid_rows = config.grid.empty() ? 0 : 1;
  for (int64_t extent : config.grid) grid_rows *= static_cast<uint64_t>(extent);
  const std::string schema = storage::avro::log_schema_json(config);
  const std::vector<storage::avro::Primitive> columns = storage::avro::log_column_types(config);
  auto frames = std::make_shared<std::vector<storage::avro::KeptFrame>>();
  for (uint64_t segment : storage::realtime_log_segments(root, config.name)) {
    if (segment < mark.segment) continue;
    const std::string path =
        root + "/" + storage::realtime_stream_directory(config.name) + "/" + storage::realtime_log_name(segment);
    std::unique_ptr<storage::MappedFile> bytes;
    try {
      bytes = std::make_unique<storage::MappedFile>(path);
    } catch (const Error&) {
      return false;  // retired since it was listed
    }
    uint64_t record = 0;
    const storage::avro::LogScan scan =
        storage::avro::scan_log(bytes->data(), bytes->size(), schema, columns, [&](const uint8_t* data, std::size_t size) {
      if (segment == mark.segment && record++ < mark.records) return;
      uint64_t rows = 0;
      if (!decoder.decode_record(data, size, frame) || !storage::avro::frame_rows(frame, grid_rows, rows))
        throw Error(Status::corrupt, path + ": a record does not decode");
      storage::avro::keep_frame(frame, rows, frames->emplace_back());
    });
    // A torn last block is a block still being appended: its frames come in a
    // later query. Anything else would drop frames from the result silently.
    if (scan.outcome == storage::avro::LogScan::Outcome::damaged) {
      if (evolved)
        throw Error(Status::schema_conflict,
                    "query: stream " + quote_name(config.name) + ": " + path + " (" + scan.reason +
                        "): the realtime log holds frames of the newest schema version, which this reader cannot "
                        "merge into the stream's unified schema yet; they are queryable once compaction (at the "
                        "writer's close) has moved them into Parquet");
      throw Error(Status::corrupt, "query: stream " + quote_name(config.name) + ": " + path + ": " + scan.reason);
    }
  }
  for (const storage::avro::KeptFrame& kept : *frames) {
    MemoryFrame view;
    view.step = kept.step;
    view.time = kept.time;
    view.rows = kept.rows;
    for (std::size_t j = 0; j < kept.values.size(); ++j) {
      view.columns.push_back(reinterpret_cast<const unsigned char*>(kept.values[j].data()));
      view.is_scalar.push_back(kept.is_scalar[j]);
    }
    view.owner = frames;
    snapshot.frames.push_back(std::move(view));
  }
  return true;
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

// The stream's configuration as `manifest` declares it: for an evolved
// stream the unified one, with the columns some version lacks in `nullable`.
// Throws Error(unknown_stream) for a stream the manifest does not hold.
StreamConfig declared_config(const std::string& root, const storage::Manifest& manifest, const std::string& stream,
                             std::vector<bool>& nullable) {
  const std::pair<std::string, std::string>* found = nullptr;
  std::string names;
  for (const auto& entry : manifest.streams) {
    if (entry.first == stream) found = &entry;
    names += (names.empty() ? "" : ", ") + entry.first;
  }
  if (found == nullptr)
    throw Error(Status::unknown_stream, "query: unknown stream " + quote_name(stream) + " (the dataset holds: " +
                                            (names.empty() ? std::string("no stream") : names) + ")");
  const auto history = manifest.schema_histories.find(stream);
  if (history == manifest.schema_histories.end())
    return stream_config_from_schema(stream, found->second, manifest_path(root));
  return stream_config_from_schema(stream, unified_schema_text(found->second, history->second, nullable),
                                   manifest_path(root));
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
    // A decomposed grid's files carry the `cell` column; the blocks themselves
    // are each writer's and live in the files (simingest.block), not here.
    if (auto blocks = schema.find("blocks"); blocks != schema.end() && *blocks == true)
      config.streams.front().decomposed = true;
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
  shared_ = storage::shared_writer_count(root_).has_value();
  manifest();
}

std::shared_ptr<const storage::Manifest> DatasetReader::manifest() const {
  if (shared_) {
    // The same texts of the same writers always make the same union.
    storage::SharedManifestTexts texts = storage::read_shared_manifest_texts(root_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_ && texts == cached_shared_texts_) return cached_;
    }
    auto loaded =
        std::make_shared<const storage::Manifest>(storage::union_of_writers(storage::load_writer_manifests(root_, texts)));
    std::lock_guard<std::mutex> lock(mutex_);
    cached_shared_texts_ = std::move(texts);
    cached_ = loaded;
    return loaded;
  }
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

StreamSnapshot DatasetReader::snapshot(const std::string& stream) const { return snapshot_attempt(stream, 0); }

StreamConfig DatasetReader::stream_config(const std::string& stream) const {
  std::vector<bool> nullable;
  return declared_config(root_, *manifest(), stream, nullable);
}

StreamSnapshot DatasetReader::snapshot_attempt(const std::string& stream, int attempt) const {
  const std::shared_ptr<const storage::Manifest> held = manifest();
  const storage::Manifest& manifest = *held;
  StreamSnapshot snapshot;
  snapshot.stream = stream;
  snapshot.config = declared_config(root_, manifest, stream, snapshot.nullable);
  const auto history = manifest.schema_histories.find(stream);
  std::vector<std::shared_ptr<const std::vector<FileColumn>>> version_columns;  // by version - 1, for an evolved stream
  if (history != manifest.schema_histories.end())
    for (const storage::SchemaVersion& v : history->second)
      version_columns.push_back(std::make_shared<const std::vector<FileColumn>>(columns_of_schema(v.schema)));
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
  // A realtime stream: its log past the mark, taken while the mark stood
  // still (a compaction that moved it may have retired segments read here
  // or not listed files holding their frames): else all again.
  const auto mark = manifest.realtime_compacted.find(stream);
  if (mark == manifest.realtime_compacted.end()) return snapshot;
  if (add_log_frames(root_, mark->second, history != manifest.schema_histories.end(), snapshot)) {
    const std::shared_ptr<const storage::Manifest> now = this->manifest();
    const auto still = now->realtime_compacted.find(stream);
    if (still != now->realtime_compacted.end() && still->second == mark->second) return snapshot;
  }
  if (attempt >= kSnapshotAttempts)
    throw Error(Status::io, "query: stream " + quote_name(stream) + ": its realtime log was compacted " +
                                std::to_string(attempt + 1) + " times while being read");
  return snapshot_attempt(stream, attempt + 1);
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
