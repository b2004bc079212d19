#include "core/schema_evolution.hpp"

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/names.hpp"
#include "core/status.hpp"

namespace simingest {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kWidenRule =
    "a column's type may only widen (int8→int16→int32→int64, uint8→uint16→uint32→uint64, float32→float64, "
    "int8/16/32 and uint8/16/32→float64)";

struct SchemaColumn {
  std::string name;
  Dtype dtype;
  std::string unit;
};

struct ParsedSchema {
  std::vector<SchemaColumn> columns;
  std::string grid, partition;  // compact JSON, compared as text
};

ParsedSchema parse_schema(const std::string& text) {
  const Json schema = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  const auto bad = [&] { return Error(Status::corrupt, "not a stream schema: " + text); };
  if (!schema.is_object() || !schema.contains("columns") || !schema["columns"].is_array()) throw bad();
  ParsedSchema parsed;
  for (const Json& column : schema["columns"]) {
    if (!column.is_object() || !column.contains("name") || !column["name"].is_string() ||
        !column.contains("dtype") || !column["dtype"].is_string())
      throw bad();
    const std::optional<Dtype> dtype = dtype_from_name(column["dtype"].get<std::string>());
    if (!dtype) throw bad();
    std::string unit;
    if (auto u = column.find("unit"); u != column.end() && u->is_string()) unit = u->get<std::string>();
    parsed.columns.push_back({column["name"].get<std::string>(), *dtype, std::move(unit)});
  }
  parsed.grid = schema.contains("grid") ? schema["grid"].dump() : "[]";
  parsed.partition = schema.contains("partition") ? schema["partition"].dump() : "{}";
  return parsed;
}

// The widest dtype and last unit of a column over the versions so far.
struct Known {
  Dtype dtype;
  std::string unit;
};

const SchemaColumn* find_column(const std::vector<SchemaColumn>& columns, const std::string& name) {
  for (const SchemaColumn& column : columns)
    if (column.name == name) return &column;
  return nullptr;
}

[[noreturn]] void conflict(const std::string& stream, const std::string& what, const std::string& rule) {
  throw Error(Status::schema_conflict, "stream " + quote_name(stream) + ": " + what + " breaks the rule \"" + rule +
                                           "\" (schemaEvolution: \"additive\")");
}

}  // namespace

bool dtype_widens(Dtype from, Dtype to) noexcept {
  if (from == to) return true;
  // Within a kind, wider is more bytes (core/dtype.hpp); a double holds any
  // integer of at most 32 bits exactly.
  if (to == Dtype::float64) return from == Dtype::float32 || (!dtype_is_float(from) && dtype_size(from) <= 4);
  if (dtype_is_float(from) || dtype_is_float(to)) return false;
  return dtype_is_unsigned(from) == dtype_is_unsigned(to) && dtype_size(from) < dtype_size(to);
}

void check_schema_evolution(const std::string& stream, const std::vector<std::string>& history,
                            const std::string& next) {
  if (history.empty()) return;
  const ParsedSchema current = parse_schema(history.back());
  const ParsedSchema proposed = parse_schema(next);
  if (proposed.grid != current.grid)
    conflict(stream, "grid " + current.grid + " → " + proposed.grid,
             "a stream's grid never changes (rows of every version must mean the same cells)");
  if (proposed.partition != current.partition)
    conflict(stream, "partition " + current.partition + " → " + proposed.partition,
             "a stream's partitioning never changes (files of every version share one layout)");

  // Every column ever declared, with the widest type and last unit it had:
  // a column declared again after its removal is held to them too.
  std::vector<std::pair<std::string, Known>> known;
  for (const std::string& text : history)
    for (const SchemaColumn& column : parse_schema(text).columns) {
      auto it = known.begin();
      while (it != known.end() && it->first != column.name) ++it;
      if (it == known.end()) known.push_back({column.name, {column.dtype, column.unit}});
      else it->second = {column.dtype, column.unit};  // each version only widened it
    }
  for (const SchemaColumn& column : proposed.columns) {
    auto it = known.begin();
    while (it != known.end() && it->first != column.name) ++it;
    if (it == known.end()) continue;  // added
    const Known& was = it->second;
    const std::string name = "column " + quote_name(column.name) + ": ";
    if (!dtype_widens(was.dtype, column.dtype)) {
      std::string what = name + std::string(dtype_name(was.dtype)) + " → " + std::string(dtype_name(column.dtype));
      if (column.dtype == Dtype::float64 && (was.dtype == Dtype::int64 || was.dtype == Dtype::uint64))
        what += " (not exact: a double holds 53 bits)";
      else if (dtype_widens(column.dtype, was.dtype))
        what += " (narrowing)";
      conflict(stream, what, kWidenRule);
    }
    if (column.unit != was.unit)
      conflict(stream, name + "unit \"" + was.unit + "\" → \"" + column.unit + "\"",
               "a column keeps its unit (the stored numbers keep one meaning)");
  }
}

std::vector<UnifiedColumn> unified_columns(const std::vector<std::string>& history) {
  std::vector<UnifiedColumn> unified;
  std::vector<ParsedSchema> versions;
  versions.reserve(history.size());
  for (const std::string& text : history) versions.push_back(parse_schema(text));
  for (const ParsedSchema& version : versions)
    for (const SchemaColumn& column : version.columns) {
      auto it = unified.begin();
      while (it != unified.end() && it->name != column.name) ++it;
      if (it == unified.end()) unified.push_back({column.name, column.dtype, true});
      else if (dtype_widens(it->dtype, column.dtype)) it->dtype = column.dtype;
    }
  for (UnifiedColumn& column : unified)
    for (const ParsedSchema& version : versions)
      if (!find_column(version.columns, column.name)) column.in_every_version = false;
  return unified;
}

}  // namespace simingest
