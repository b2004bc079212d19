#include "storage/manifest.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

#include "core/ordered_json.hpp"
#include "core/status.hpp"
#include "kernels/crc32c.hpp"
#include "storage/quarantined_json.hpp"
#include "storage/row_group_index_json.hpp"

namespace simingest::storage {

namespace {

using Json = nlohmann::ordered_json;

// Reads one document, turning every defect into one error that names where it is.
class ManifestReader {
 public:
  explicit ManifestReader(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw Error(Status::corrupt, source_ + ": corrupt manifest: " + where + ": " + what);
  }

  const Json& member(const Json& object, const std::string& where, const char* key) const {
    auto it = object.find(key);
    if (it == object.end()) fail(where.empty() ? key : where + "." + key, "missing");
    return *it;
  }

  static std::string path_of(const std::string& where, const char* key) {
    return where.empty() ? std::string(key) : where + "." + key;
  }

  int64_t int64_at(const Json& object, const std::string& where, const char* key) const {
    const Json& value = member(object, where, key);
    if (value.is_number_unsigned()) {
      if (value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        fail(path_of(where, key), "integer out of range");
      return static_cast<int64_t>(value.get<uint64_t>());
    }
    if (!value.is_number_integer()) fail(path_of(where, key), "expected an integer");
    return value.get<int64_t>();
  }

  int64_t count_at(const Json& object, const std::string& where, const char* key) const {
    int64_t value = int64_at(object, where, key);
    if (value < 0) fail(path_of(where, key), "expected a non-negative integer");
    return value;
  }

  uint64_t uint64_at(const Json& object, const std::string& where, const char* key) const {
    const Json& value = member(object, where, key);
    if (value.is_number_unsigned()) return value.get<uint64_t>();
    if (value.is_number_integer() && value.get<int64_t>() >= 0)
      return static_cast<uint64_t>(value.get<int64_t>());
    fail(path_of(where, key), "expected a non-negative integer");
  }

  // serialize_manifest() writes a non-finite double as null (JSON has no NaN).
  double double_at(const Json& object, const std::string& where, const char* key) const {
    const Json& value = member(object, where, key);
    if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!value.is_number()) fail(path_of(where, key), "expected a number");
    return value.get<double>();
  }

  std::string string_at(const Json& object, const std::string& where, const char* key) const {
    const Json& value = member(object, where, key);
    if (!value.is_string()) fail(path_of(where, key), "expected a string");
    return value.get<std::string>();
  }

  const Json& object_at(const Json& object, const std::string& where, const char* key) const {
    const Json& value = member(object, where, key);
    if (!value.is_object()) fail(path_of(where, key), "expected an object");
    return value;
  }

  const Json& array_at(const Json& object, const std::string& where, const char* key) const {
    const Json& value = member(object, where, key);
    if (!value.is_array()) fail(path_of(where, key), "expected an array");
    return value;
  }

  uint32_t crc_at(const Json& object, const std::string& where, const char* key) const {
    std::optional<uint32_t> crc = parse_checksum_text(string_at(object, where, key));
    if (!crc) fail(path_of(where, key), "expected 8 lowercase hex digits");
    return *crc;
  }

  static std::optional<uint32_t> parse_checksum_text(const std::string& text) {
    if (text.size() != 8) return std::nullopt;
    uint32_t value = 0;
    for (char c : text) {
      const bool digit = c >= '0' && c <= '9', letter = c >= 'a' && c <= 'f';
      if (!digit && !letter) return std::nullopt;
      value = (value << 4) | static_cast<uint32_t>(digit ? c - '0' : c - 'a' + 10);
    }
    return value;
  }

 private:
  const std::string& source_;
};

bool is_safe_path_component(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find('/') == std::string::npos && name.find('\0') == std::string::npos;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The only shape of path recovery may rename into: <stream>/part=<n>/part-….parquet.
bool is_valid_file_path(const ManifestFile& file) {
  if (!is_safe_path_component(file.stream)) return false;
  const std::string directory = file.stream + "/part=" + std::to_string(file.partition) + "/";
  if (file.path.compare(0, directory.size(), directory) != 0) return false;
  const std::string name = file.path.substr(directory.size());
  return is_safe_path_component(name) && name.compare(0, 5, "part-") == 0 &&
         ends_with(name, ".parquet");
}

// The fixed tail of a version 2 document: `,\n  "manifestCrc32c": "<hex>"\n}\n`.
// The CRC covers every byte before it, so it is checked on the raw text.
constexpr const char kCrcHead[] = ",\n  \"manifestCrc32c\": \"";
constexpr const char kCrcTail[] = "\"\n}\n";
constexpr std::size_t kCrcSuffixBytes = sizeof kCrcHead - 1 + 8 + sizeof kCrcTail - 1;

void check_document_crc(const ManifestReader& reader, const std::string& text) {
  const std::size_t head = sizeof kCrcHead - 1;
  const bool shaped = text.size() >= kCrcSuffixBytes &&
                      text.compare(text.size() - kCrcSuffixBytes, head, kCrcHead) == 0 &&
                      text.compare(text.size() - (sizeof kCrcTail - 1), std::string::npos, kCrcTail) == 0;
  std::optional<uint32_t> recorded;
  if (shaped)
    recorded = ManifestReader::parse_checksum_text(text.substr(text.size() - kCrcSuffixBytes + head, 8));
  if (!recorded) reader.fail("manifestCrc32c", "missing, malformed or not the document's last member");
  const uint32_t actual = kernels::crc32c(text.data(), text.size() - kCrcSuffixBytes);
  if (actual != *recorded)
    reader.fail("manifestCrc32c", "CRC-32C mismatch (document " + checksum_text(actual) + ", recorded " +
                                      checksum_text(*recorded) + ")");
}

std::optional<FileChecksums> read_checksums(const ManifestReader& reader, const Json& entry,
                                            const std::string& where) {
  const int present = entry.contains("crc32c") + entry.contains("footerBytes") + entry.contains("footerCrc32c");
  if (present == 0) return std::nullopt;
  if (present != 3) reader.fail(where, "crc32c, footerBytes and footerCrc32c must appear together");
  FileChecksums checksums;
  checksums.crc32c = reader.crc_at(entry, where, "crc32c");
  checksums.footer_bytes = reader.uint64_at(entry, where, "footerBytes");
  checksums.footer_crc32c = reader.crc_at(entry, where, "footerCrc32c");
  return checksums;
}

QuarantinedFile read_quarantined(const ManifestReader& reader, const Json& entry, const std::string& where) {
  if (!entry.is_object()) reader.fail(where, "expected an object");
  QuarantinedFile file;
  file.path = reader.string_at(entry, where, "path");
  file.moved_to = reader.string_at(entry, where, "movedTo");
  file.reason = reader.string_at(entry, where, "reason");
  file.frames_lost = reader.count_at(entry, where, "framesLost");
  return file;
}

Json finite_or_null(double value) {
  if (std::isfinite(value)) return Json(value);
  return Json(nullptr);
}

// Stream name and schema version → dtypes of the declared columns (to read
// the index's statistics with: a file's are those of the version it was written with).
using DeclaredDtypes = std::unordered_map<std::string, std::optional<std::vector<Dtype>>>;

std::string declared_key(const std::string& stream, int64_t version) {
  return stream + '\n' + std::to_string(version);
}

const std::optional<std::vector<Dtype>>* declared_of(const DeclaredDtypes& declared, const std::string& stream,
                                                     int64_t version) {
  auto it = declared.find(declared_key(stream, version));
  return it == declared.end() ? nullptr : &it->second;
}

ManifestFile read_file_entry(const ManifestReader& reader, const Json& entry, const std::string& where,
                             const DeclaredDtypes& declared, const std::string& source) {
  if (!entry.is_object()) reader.fail(where, "expected an object");
  ManifestFile file;
  file.stream = reader.string_at(entry, where, "stream");
  file.partition = reader.int64_at(entry, where, "partition");
  file.path = reader.string_at(entry, where, "path");
  file.rows = reader.count_at(entry, where, "rows");
  file.frames = reader.count_at(entry, where, "frames");
  file.row_groups = reader.count_at(entry, where, "rowGroups");
  file.bytes = reader.uint64_at(entry, where, "bytes");
  file.step_min = reader.int64_at(entry, where, "stepMin");
  file.step_max = reader.int64_at(entry, where, "stepMax");
  file.time_min = reader.double_at(entry, where, "timeMin");
  file.time_max = reader.double_at(entry, where, "timeMax");
  const Json& columns = reader.array_at(entry, where, "columns");
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const std::string column_where = where + ".columns[" + std::to_string(i) + "]";
    const Json& column = columns[i];
    if (!column.is_object()) reader.fail(column_where, "expected an object");
    ColumnBytes bytes;
    bytes.name = reader.string_at(column, column_where, "name");
    bytes.uncompressed_bytes = reader.count_at(column, column_where, "uncompressedBytes");
    bytes.compressed_bytes = reader.count_at(column, column_where, "compressedBytes");
    file.columns.push_back(std::move(bytes));
  }
  file.committed_at = reader.string_at(entry, where, "committedAt");
  file.checksums = read_checksums(reader, entry, where);
  if (entry.contains("schemaVersion")) file.schema_version = reader.int64_at(entry, where, "schemaVersion");
  if (!is_valid_file_path(file))
    reader.fail(where + ".path",
                "\"" + file.path + "\" is not a data file of stream \"" + file.stream +
                    "\" partition " + std::to_string(file.partition));
  if (auto index = entry.find("rowGroupIndex"); index != entry.end()) {
    const std::optional<std::vector<Dtype>>* dtypes = declared_of(declared, file.stream, file.schema_version);
    if (!dtypes)
      reader.fail(where + ".stream", "\"" + file.stream + "\" is not a stream of the manifest, or has no schema version " +
                                         std::to_string(file.schema_version));
    file.row_group_index = parse_row_group_index(*index, *dtypes, file, source, where + ".rowGroupIndex");
  }
  return file;
}

// dump(2) puts every number of an array on a line of its own: an index would
// take several times its compact size. Each entry's placeholder string is
// replaced by the index's compact dump. Only file entries follow the
// top-level "files" key, and inside them every other string value has its
// quotes escaped, so `"rowGroupIndex": "` is found nowhere but at an index.
std::string with_compact_indexes(std::string text, const std::vector<ManifestFile>& files) {
  constexpr const char kFiles[] = "\n  \"files\": [";
  constexpr const char kKey[] = "\"rowGroupIndex\": ";
  std::size_t at = text.find(kFiles);
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;
  for (std::size_t i = 0; i < files.size() && at != std::string::npos; ++i) {
    if (files[i].row_group_index.empty()) continue;
    const std::string placeholder = std::string(kKey) + "\"" + std::to_string(i) + "\"";
    at = text.find(placeholder, at);
    if (at == std::string::npos) break;
    at += sizeof kKey - 1;
    out.append(text, copied, at - copied);
    out += row_group_index_json(files[i].row_group_index).dump();
    at += placeholder.size() - (sizeof kKey - 1);
    copied = at;
  }
  out.append(text, copied, std::string::npos);
  return out;
}

}  // namespace

std::string checksum_text(uint32_t crc) {
  char text[9];
  std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(crc));
  return text;
}

std::string serialize_manifest(const Manifest& manifest) {
  Json document = Json::object();
  document["format"] = kManifestFormat;
  const bool evolved = !manifest.schema_histories.empty();
  document["version"] = evolved ? kSchemaHistoryManifestVersion : kManifestVersion;
  document["nextFileSeq"] = manifest.next_file_seq;
  Json streams = Json::object();
  for (const auto& [name, schema] : manifest.streams) {
    Json stream = Json::object();
    stream["schema"] = Json::parse(schema);
    if (auto history = manifest.schema_histories.find(name); history != manifest.schema_histories.end()) {
      stream["schemaVersion"] = history->second.size();
      stream["schemaHistory"] = schema_history_json(history->second);
    }
    append_member(streams, name, std::move(stream));  // names come from a map: no search
  }
  document["streams"] = std::move(streams);
  Json files = Json::array();
  for (const ManifestFile& file : manifest.files) {
    Json entry = Json::object();
    entry["stream"] = file.stream;
    entry["partition"] = file.partition;
    entry["path"] = file.path;
    entry["rows"] = file.rows;
    entry["frames"] = file.frames;
    entry["rowGroups"] = file.row_groups;
    entry["bytes"] = file.bytes;
    entry["stepMin"] = file.step_min;
    entry["stepMax"] = file.step_max;
    entry["timeMin"] = finite_or_null(file.time_min);
    entry["timeMax"] = finite_or_null(file.time_max);
    Json columns = Json::array();
    for (const ColumnBytes& column : file.columns) {
      Json c = Json::object();
      c["name"] = column.name;
      c["uncompressedBytes"] = column.uncompressed_bytes;
      c["compressedBytes"] = column.compressed_bytes;
      columns.push_back(std::move(c));
    }
    entry["columns"] = std::move(columns);
    entry["committedAt"] = file.committed_at;
    if (evolved) entry["schemaVersion"] = file.schema_version;
    if (file.checksums) {
      entry["crc32c"] = checksum_text(file.checksums->crc32c);
      entry["footerBytes"] = file.checksums->footer_bytes;
      entry["footerCrc32c"] = checksum_text(file.checksums->footer_crc32c);
    }
    // A placeholder, replaced by the index's compact text below.
    if (!file.row_group_index.empty()) entry["rowGroupIndex"] = std::to_string(files.size());
    files.push_back(std::move(entry));
  }
  document["files"] = std::move(files);
  document["quarantined"] = quarantined_json(manifest.quarantined);
  if (!manifest.realtime_compacted.empty()) {
    Json compacted = Json::object();
    for (const auto& [stream, mark] : manifest.realtime_compacted)
      append_member(compacted, stream, Json{{"segment", mark.segment}, {"records", mark.records}});
    document["realtimeCompacted"] = std::move(compacted);
  }

  // dump(2) of an object ends with "\n}": the checksum member goes before it.
  std::string text = with_compact_indexes(document.dump(2), manifest.files);
  text.resize(text.size() - 2);
  const uint32_t crc = kernels::crc32c(text.data(), text.size());
  return text + kCrcHead + checksum_text(crc) + kCrcTail;
}

Manifest parse_manifest(const std::string& text, const std::string& source) {
  ManifestReader reader(source);
  Json document;
  try {
    document = parse_ordered_json(text);
  } catch (const Json::parse_error& e) {
    throw Error(Status::corrupt, source + ": corrupt manifest: " + e.what());
  }
  if (!document.is_object()) reader.fail("document", "expected an object");

  if (reader.string_at(document, "", "format") != kManifestFormat)
    reader.fail("format", std::string("expected \"") + kManifestFormat + "\"");
  int64_t version = reader.int64_at(document, "", "version");
  // A version this build does not know is most likely damage (a bit flip
  // turns 2 into 3, 0, 6, …), unless the document's own CRC-32C holds: then
  // a newer build wrote it, and it is refused as a whole, changing nothing
  // (schema_conflict: load_manifest_copies quarantines only corrupt copies).
  bool checks_itself = false;
  if (version > kSchemaHistoryManifestVersion) {
    try {
      check_document_crc(reader, text);
      checks_itself = true;
    } catch (const Error&) {
      // damage: refused as an unsupported version below
    }
  }
  if (checks_itself) {
    throw Error(Status::schema_conflict,
                source + ": written by a newer simingest (manifest version " + std::to_string(version) +
                    "; this build understands schema history up to version " +
                    std::to_string(kSchemaHistoryManifestVersion) + "): open it with that build; nothing was changed");
  }
  if (version < kOldestManifestVersion || version > kSchemaHistoryManifestVersion)
    throw Error(Status::corrupt, source + ": unsupported manifest version " + std::to_string(version) +
                                     " (this build reads versions " + std::to_string(kOldestManifestVersion) +
                                     " to " + std::to_string(kSchemaHistoryManifestVersion) + ")");
  if (version >= 2) check_document_crc(reader, text);

  Manifest manifest;
  manifest.version = version;
  manifest.next_file_seq = reader.uint64_at(document, "", "nextFileSeq");
  const Json& streams = reader.object_at(document, "", "streams");
  for (auto it = streams.begin(); it != streams.end(); ++it) {
    const std::string where = "streams." + it.key();
    if (!it.value().is_object()) reader.fail(where, "expected an object");
    const Json& schema = reader.object_at(it.value(), where, "schema");
    manifest.streams.emplace_back(it.key(), schema.dump());
    std::vector<SchemaVersion> history;
    read_schema_history(it.value(), manifest.streams.back().second, where, source, history);
    if (history.size() > 1) manifest.schema_histories.emplace(it.key(), std::move(history));
  }
  DeclaredDtypes declared;
  for (const auto& [name, schema] : manifest.streams) {
    const auto history = manifest.schema_histories.find(name);
    if (history == manifest.schema_histories.end()) {
      declared.emplace(declared_key(name, 1), declared_dtypes(schema));
      continue;
    }
    for (const SchemaVersion& v : history->second)
      declared.emplace(declared_key(name, v.version), declared_dtypes(v.schema));
  }
  const Json& files = reader.array_at(document, "", "files");
  for (std::size_t i = 0; i < files.size(); ++i)
    manifest.files.push_back(read_file_entry(reader, files[i], "files[" + std::to_string(i) + "]", declared, source));
  for (std::size_t i = 0; i < manifest.files.size(); ++i) {
    const ManifestFile& file = manifest.files[i];
    // Version 1 every stream has (a history starts at it); a file of a
    // stream the manifest lacks the entry checks above leave to readers (as
    // before schema versions).
    if (file.schema_version != 1 && declared.count(declared_key(file.stream, file.schema_version)) == 0)
      reader.fail("files[" + std::to_string(i) + "].schemaVersion",
                  std::to_string(file.schema_version) + " is not a schema version of stream \"" + file.stream + "\"");
  }
  if (document.contains("quarantined")) {
    const Json& quarantined = reader.array_at(document, "", "quarantined");
    for (std::size_t i = 0; i < quarantined.size(); ++i)
      manifest.quarantined.push_back(
          read_quarantined(reader, quarantined[i], "quarantined[" + std::to_string(i) + "]"));
  }
  if (document.contains("realtimeCompacted")) {
    const Json& compacted = reader.object_at(document, "", "realtimeCompacted");
    for (auto it = compacted.begin(); it != compacted.end(); ++it) {
      const std::string where = "realtimeCompacted." + it.key();
      if (!it.value().is_object()) reader.fail(where, "expected an object");
      const bool named = std::any_of(manifest.streams.begin(), manifest.streams.end(),
                                     [&](const auto& stream) { return stream.first == it.key(); });
      if (!named) reader.fail(where, "names no stream of the manifest");
      LogMark mark;
      mark.segment = reader.uint64_at(it.value(), where, "segment");
      mark.records = reader.uint64_at(it.value(), where, "records");
      manifest.realtime_compacted.emplace(it.key(), mark);
    }
  }
  return manifest;
}

std::string canonical_schema_text(const std::string& schema_json) {
  Json schema;
  try {
    schema = Json::parse(schema_json);
  } catch (const Json::parse_error& e) {
    throw Error(Status::invalid_argument, std::string("stream schema is not JSON: ") + e.what());
  }
  if (!schema.is_object()) throw Error(Status::invalid_argument, "stream schema is not a JSON object");
  return schema.dump();
}

}  // namespace simingest::storage
