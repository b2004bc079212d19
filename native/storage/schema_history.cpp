#include "storage/schema_history.hpp"

#include <cmath>

#include "core/status.hpp"

namespace simingest::storage {

using Json = nlohmann::ordered_json;

Json schema_history_json(const std::vector<SchemaVersion>& history) {
  Json out = Json::array();
  for (const SchemaVersion& v : history) {
    Json entry = Json::object();
    entry["version"] = v.version;
    entry["schema"] = Json::parse(v.schema);
    entry["fromStep"] = v.from_step ? Json(*v.from_step) : Json(nullptr);
    // A time that is not finite has no JSON number: null, like a file's timeMin.
    entry["fromTime"] = v.from_time && std::isfinite(*v.from_time) ? Json(*v.from_time) : Json(nullptr);
    entry["registeredAt"] = v.registered_at;
    out.push_back(std::move(entry));
  }
  return out;
}

void read_schema_history(const Json& stream, const std::string& current_schema, const std::string& where,
                         const std::string& source, std::vector<SchemaVersion>& out) {
  out.clear();
  const auto fail = [&](const std::string& at, const std::string& what) {
    throw Error(Status::corrupt, source + ": corrupt manifest: " + at + ": " + what);
  };
  const bool has_version = stream.contains("schemaVersion"), has_history = stream.contains("schemaHistory");
  if (!has_version && !has_history) return;
  if (has_version != has_history) fail(where, "schemaVersion and schemaHistory must appear together");
  const Json& history = stream["schemaHistory"];
  if (!history.is_array() || history.empty()) fail(where + ".schemaHistory", "expected a non-empty array");
  for (std::size_t i = 0; i < history.size(); ++i) {
    const std::string at = where + ".schemaHistory[" + std::to_string(i) + "]";
    const Json& entry = history[i];
    if (!entry.is_object()) fail(at, "expected an object");
    SchemaVersion v;
    const auto version = entry.find("version");
    if (version == entry.end() || !version->is_number_integer() || version->get<int64_t>() != int64_t(i) + 1)
      fail(at + ".version", "expected " + std::to_string(i + 1));
    v.version = int64_t(i) + 1;
    const auto schema = entry.find("schema");
    if (schema == entry.end() || !schema->is_object()) fail(at + ".schema", "expected an object");
    v.schema = schema->dump();
    if (auto step = entry.find("fromStep"); step != entry.end() && !step->is_null()) {
      if (!step->is_number_integer()) fail(at + ".fromStep", "expected an integer or null");
      v.from_step = step->get<int64_t>();
    }
    if (auto time = entry.find("fromTime"); time != entry.end() && !time->is_null()) {
      if (!time->is_number()) fail(at + ".fromTime", "expected a number or null");
      v.from_time = time->get<double>();
    }
    if (auto at_time = entry.find("registeredAt"); at_time != entry.end()) {
      if (!at_time->is_string()) fail(at + ".registeredAt", "expected a string");
      v.registered_at = at_time->get<std::string>();
    }
    out.push_back(std::move(v));
  }
  const Json& version = stream["schemaVersion"];
  if (!version.is_number_integer() || version.get<int64_t>() != int64_t(out.size()))
    fail(where + ".schemaVersion", "expected " + std::to_string(out.size()) + " (the last of schemaHistory)");
  if (out.back().schema != current_schema)
    fail(where + ".schemaHistory", "the last version's schema is not the stream's schema");
}

const std::string* schema_of_version(const SchemaHistories& histories, const std::string& stream,
                                     const std::string& current, int64_t version) {
  const auto it = histories.find(stream);
  if (it == histories.end()) return version == 1 ? &current : nullptr;
  if (version < 1 || version > int64_t(it->second.size())) return nullptr;
  return &it->second[std::size_t(version - 1)].schema;
}

int64_t newest_schema_version(const SchemaHistories& histories, const std::string& stream) {
  const auto it = histories.find(stream);
  return it == histories.end() ? 1 : int64_t(it->second.size());
}

}  // namespace simingest::storage
