#include "storage/row_group_index_json.hpp"

#include <cmath>
#include <limits>

#include "core/status.hpp"

namespace simingest::storage {

namespace {

using Json = nlohmann::ordered_json;

// JSON has no infinity; a float column's min or max may be one (NaN never is).
constexpr const char* kPositiveInfinity = "Infinity";
constexpr const char* kNegativeInfinity = "-Infinity";

Json value_json(const IndexValue& value) {
  switch (value.kind) {
    case IndexValue::Kind::int64: return Json(value.i);
    case IndexValue::Kind::uint64: return Json(value.u);
    case IndexValue::Kind::float64:
      if (std::isinf(value.f)) return Json(value.f > 0 ? kPositiveInfinity : kNegativeInfinity);
      return Json(value.f);  // written with the digits that read back to the same double
  }
  return Json(nullptr);
}

class IndexReader {
 public:
  IndexReader(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw Error(Status::corrupt, source_ + ": corrupt manifest: " + where + ": " + what);
  }

  const Json& member(const Json& object, const std::string& where, const char* key) const {
    auto it = object.find(key);
    if (it == object.end()) fail(where + "." + key, "missing");
    return *it;
  }

  int64_t int64_of(const Json& value, const std::string& where) const {
    if (value.is_number_unsigned()) {
      if (value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        fail(where, "integer out of range");
      return static_cast<int64_t>(value.get<uint64_t>());
    }
    if (!value.is_number_integer()) fail(where, "expected an integer");
    return value.get<int64_t>();
  }

  int64_t count_of(const Json& value, const std::string& where) const {
    const int64_t count = int64_of(value, where);
    if (count < 0) fail(where, "expected a non-negative integer");
    return count;
  }

  double finite_of(const Json& value, const std::string& where) const {
    if (!value.is_number()) fail(where, "expected a number");
    const double d = value.get<double>();
    if (!std::isfinite(d)) fail(where, "expected a finite number");
    return d;
  }

  int64_t int64_at(const Json& o, const std::string& w, const char* k) const { return int64_of(member(o, w, k), w + "." + k); }
  int64_t count_at(const Json& o, const std::string& w, const char* k) const { return count_of(member(o, w, k), w + "." + k); }
  double finite_at(const Json& o, const std::string& w, const char* k) const { return finite_of(member(o, w, k), w + "." + k); }

  const Json& array_of(const Json& value, const std::string& where, std::size_t size) const {
    if (!value.is_array() || value.size() != size)
      fail(where, "expected an array of " + std::to_string(size) + " elements");
    return value;
  }

  // A statistic of a column of `dtype`: its kind follows the dtype, and the
  // value must be one the dtype can hold.
  IndexValue value_of(const Json& value, Dtype dtype, const std::string& where) const {
    IndexValue out;
    if (dtype_is_float(dtype)) {
      out.kind = IndexValue::Kind::float64;
      if (value.is_string() && value.get<std::string>() == kPositiveInfinity) {
        out.f = std::numeric_limits<double>::infinity();
      } else if (value.is_string() && value.get<std::string>() == kNegativeInfinity) {
        out.f = -std::numeric_limits<double>::infinity();
      } else {
        out.f = finite_of(value, where);
        if (dtype == Dtype::float32 && static_cast<double>(static_cast<float>(out.f)) != out.f)
          fail(where, "not a float32 value");
      }
      return out;
    }
    const std::size_t bits = dtype_size(dtype) * 8;
    if (dtype_is_unsigned(dtype)) {
      out.kind = IndexValue::Kind::uint64;
      if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<int64_t>() >= 0))
        fail(where, "expected a non-negative integer");
      out.u = value.get<uint64_t>();
      if (bits < 64 && out.u >> bits) fail(where, "out of range of " + std::string(dtype_name(dtype)));
      return out;
    }
    out.i = int64_of(value, where);
    if (bits < 64) {
      const int64_t limit = int64_t{1} << (bits - 1);
      if (out.i < -limit || out.i >= limit) fail(where, "out of range of " + std::string(dtype_name(dtype)));
    }
    return out;
  }

 private:
  const std::string& source_;
};

ColumnIndexStats read_column(const IndexReader& reader, const Json& value, Dtype dtype, int64_t rows,
                             const std::string& where) {
  reader.array_of(value, where, 3);
  ColumnIndexStats stats;
  stats.nan_count = static_cast<uint64_t>(reader.count_of(value[2], where + "[2]"));
  if (stats.nan_count > static_cast<uint64_t>(rows)) reader.fail(where + "[2]", "more NaNs than rows");
  if (value[0].is_null() != value[1].is_null()) reader.fail(where, "min and max must both be null or neither");
  if (value[0].is_null()) {
    if (stats.nan_count != static_cast<uint64_t>(rows)) reader.fail(where, "no min and max, yet not every value is NaN");
    stats.min = stats.max = column_index_stats(dtype, ColumnStats{}).min;
    return stats;
  }
  stats.has_min_max = true;
  stats.min = reader.value_of(value[0], dtype, where + "[0]");
  stats.max = reader.value_of(value[1], dtype, where + "[1]");
  if (compare_index_values(stats.min, stats.max) > 0) reader.fail(where, "min above max");
  return stats;
}

RowGroupIndex read_row_group(const IndexReader& reader, const Json& entry, const std::vector<Dtype>& declared,
                             int64_t first_row, const std::string& where) {
  if (!entry.is_object()) reader.fail(where, "expected an object");
  RowGroupIndex group;
  group.first_row = reader.count_at(entry, where, "firstRow");
  if (group.first_row != first_row)
    reader.fail(where + ".firstRow", "expected " + std::to_string(first_row) + " (the rows before it)");
  group.rows = reader.count_at(entry, where, "rows");
  if (group.rows == 0) reader.fail(where + ".rows", "a row group has rows");
  group.frames = reader.count_at(entry, where, "frames");
  if (group.frames == 0) reader.fail(where + ".frames", "a row group has frames");
  group.bytes = reader.count_at(entry, where, "bytes");
  group.step_min = reader.int64_at(entry, where, "stepMin");
  group.step_max = reader.int64_at(entry, where, "stepMax");
  if (group.step_min > group.step_max) reader.fail(where, "stepMin above stepMax");
  group.time_min = reader.finite_at(entry, where, "timeMin");
  group.time_max = reader.finite_at(entry, where, "timeMax");
  if (group.time_min > group.time_max) reader.fail(where, "timeMin above timeMax");

  const std::string columns_where = where + ".columnStats";
  const Json& columns = reader.array_of(reader.member(entry, where, "columnStats"), columns_where, declared.size());
  for (std::size_t c = 0; c < declared.size(); ++c)
    group.columns.push_back(
        read_column(reader, columns[c], declared[c], group.rows, columns_where + "[" + std::to_string(c) + "]"));

  const bool expected = records_frames(group.rows, group.frames);
  const auto frames_it = entry.find("frameIndex");
  if ((frames_it != entry.end()) != expected)
    reader.fail(where + ".frameIndex", expected ? "missing (the row group has at least " +
                                                      std::to_string(kMinRowsPerIndexedFrame) + " rows per frame)"
                                                : "present, but the row group has fewer than " +
                                                      std::to_string(kMinRowsPerIndexedFrame) + " rows per frame");
  if (!expected) return group;
  const std::string frames_where = where + ".frameIndex";
  const Json& frames = reader.array_of(*frames_it, frames_where, static_cast<std::size_t>(group.frames));
  int64_t row = first_row;
  for (std::size_t f = 0; f < frames.size(); ++f) {
    const std::string frame_where = frames_where + "[" + std::to_string(f) + "]";
    const Json& frame = reader.array_of(frames[f], frame_where, 3);
    FrameIndexEntry entry_out;
    entry_out.step = reader.int64_of(frame[0], frame_where + "[0]");
    entry_out.time = reader.finite_of(frame[1], frame_where + "[1]");
    entry_out.rows = reader.count_of(frame[2], frame_where + "[2]");
    entry_out.first_row = row;
    if (entry_out.step < group.step_min || entry_out.step > group.step_max ||
        entry_out.time < group.time_min || entry_out.time > group.time_max)
      reader.fail(frame_where, "step or time outside its row group's range");
    if (entry_out.rows > group.first_row + group.rows - row) reader.fail(frame_where, "rows beyond its row group");
    row += entry_out.rows;
    group.frame_entries.push_back(entry_out);
  }
  if (row != group.first_row + group.rows) reader.fail(frames_where, "frame rows do not add up to the row group's");
  return group;
}

}  // namespace

nlohmann::ordered_json row_group_index_json(const std::vector<RowGroupIndex>& index) {
  Json out = Json::array();
  for (const RowGroupIndex& group : index) {
    Json entry = Json::object();
    entry["firstRow"] = group.first_row;
    entry["rows"] = group.rows;
    entry["frames"] = group.frames;
    entry["bytes"] = group.bytes;
    entry["stepMin"] = group.step_min;
    entry["stepMax"] = group.step_max;
    entry["timeMin"] = group.time_min;
    entry["timeMax"] = group.time_max;
    Json columns = Json::array();
    for (const ColumnIndexStats& column : group.columns) {
      if (column.has_min_max) {
        columns.push_back(Json::array({value_json(column.min), value_json(column.max), column.nan_count}));
      } else {
        columns.push_back(Json::array({nullptr, nullptr, column.nan_count}));
      }
    }
    entry["columnStats"] = std::move(columns);
    if (!group.frame_entries.empty()) {
      Json frames = Json::array();
      for (const FrameIndexEntry& frame : group.frame_entries)
        frames.push_back(Json::array({frame.step, frame.time, frame.rows}));
      entry["frameIndex"] = std::move(frames);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::optional<std::vector<Dtype>> declared_dtypes(const std::string& schema_text) {
  const Json schema = Json::parse(schema_text, nullptr, /*allow_exceptions=*/false);
  if (!schema.is_object()) return std::nullopt;
  const auto columns = schema.find("columns");
  if (columns == schema.end() || !columns->is_array()) return std::nullopt;
  std::vector<Dtype> dtypes;
  for (const Json& column : *columns) {
    if (!column.is_object() || !column.contains("dtype") || !column["dtype"].is_string()) return std::nullopt;
    std::optional<Dtype> dtype = dtype_from_name(column["dtype"].get<std::string>());
    if (!dtype) return std::nullopt;
    dtypes.push_back(*dtype);
  }
  return dtypes;
}

std::vector<RowGroupIndex> parse_row_group_index(const nlohmann::ordered_json& value,
                                                 const std::optional<std::vector<Dtype>>& declared,
                                                 const ManifestFile& file, const std::string& source,
                                                 const std::string& where) {
  IndexReader reader(source);
  if (!declared) reader.fail(where, "the stream's schema declares no column dtypes to read it with");
  if (!value.is_array()) reader.fail(where, "expected an array");
  if (static_cast<int64_t>(value.size()) != file.row_groups)
    reader.fail(where, std::to_string(value.size()) + " entries for " + std::to_string(file.row_groups) + " row groups");
  std::vector<RowGroupIndex> index;
  index.reserve(value.size());
  int64_t rows = 0, frames = 0, bytes = 0;
  for (std::size_t g = 0; g < value.size(); ++g) {
    const std::string group_where = where + "[" + std::to_string(g) + "]";
    RowGroupIndex group = read_row_group(reader, value[g], *declared, rows, group_where);
    if (group.step_min < file.step_min || group.step_max > file.step_max || group.time_min < file.time_min ||
        group.time_max > file.time_max)
      reader.fail(group_where, "step or time range outside the file's");
    // Bounded before adding, so no crafted count can overflow the sums.
    if (group.rows > file.rows - rows) reader.fail(group_where, "rows beyond the file's");
    if (group.frames > file.frames - frames) reader.fail(group_where, "frames beyond the file's");
    if (static_cast<uint64_t>(group.bytes) > file.bytes - static_cast<uint64_t>(bytes))
      reader.fail(group_where, "bytes beyond the file's");
    rows += group.rows;
    frames += group.frames;
    bytes += group.bytes;
    index.push_back(std::move(group));
  }
  if (rows != file.rows) reader.fail(where, "row groups hold " + std::to_string(rows) + " rows, the file " + std::to_string(file.rows));
  return index;
}

}  // namespace simingest::storage
