// A stream's schema versions as the manifest records them (docs/ON_DISK.md
// "Schema evolution"): `streams.<s>.schemaVersion` and `schemaHistory`, and
// each file entry's `schemaVersion`. A stream whose schema never changed has
// neither (its one schema is version 1), so manifests of datasets that never
// evolved stay as older builds wrote them; a manifest with any history is
// written as version 3 (kSchemaHistoryManifestVersion), which builds before
// schema evolution refuse without touching it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace simingest::storage {

inline constexpr int kSchemaHistoryManifestVersion = 3;

// One version of a stream's schema.
struct SchemaVersion {
  int64_t version = 1;
  std::string schema;  // canonical text (core stream_schema_json)
  // The first step and time committed with it: none until a file of this
  // version is committed (a version registered by a run that wrote nothing).
  std::optional<int64_t> from_step;
  std::optional<double> from_time;
  std::string registered_at;  // UTC, ISO 8601; "" for version 1 of a stream that evolved later
};

// Stream name → its versions, oldest first; only streams with more than one.
using SchemaHistories = std::map<std::string, std::vector<SchemaVersion>>;

// The `schemaHistory` array of one stream.
nlohmann::ordered_json schema_history_json(const std::vector<SchemaVersion>& history);

// Reads `streams.<stream>` members `schemaVersion` and `schemaHistory` (both
// or neither) into `out` (left empty for a stream without history). Checks
// versions count 1, 2, … and the last schema is the stream's `schema`.
// Throws Error(corrupt, "<source>: corrupt manifest: <where>: <what>").
void read_schema_history(const nlohmann::ordered_json& stream, const std::string& current_schema,
                         const std::string& where, const std::string& source, std::vector<SchemaVersion>& out);

// The schema text of `version` of `stream`: the history's entry, or
// `current` for a stream without history (whose only version is 1).
// Null when the version is not in the history.
const std::string* schema_of_version(const SchemaHistories& histories, const std::string& stream,
                                     const std::string& current, int64_t version);

// The stream's newest version: 1 without history.
int64_t newest_schema_version(const SchemaHistories& histories, const std::string& stream);

}  // namespace simingest::storage
