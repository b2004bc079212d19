#include "storage/index_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace simingest::storage {

namespace {

using Json = nlohmann::ordered_json;

// Counts `count` frames evenly spread over [lo, hi] (all at lo when count is 1).
// Times are any finite doubles: the spread is a convex combination and the
// position is taken on halves, so neither overflows to Inf (a span from
// -DBL_MAX to DBL_MAX is not representable, half of it is); a position that is
// NaN or out of range lands in the first or last bin, never in a float-to-
// integer conversion out of range.
void count_spread(std::vector<uint64_t>& bins, double origin, double half_width, double lo, double hi, int64_t count) {
  const std::size_t last = bins.size() - 1;
  for (int64_t k = 0; k < count; ++k) {
    const double f = count == 1 ? 0 : static_cast<double>(k) / static_cast<double>(count - 1);
    const double t = f == 0 ? lo : lo * (1 - f) + hi * f;
    const double position = half_width > 0 ? (t / 2 - origin / 2) / half_width : 0;
    std::size_t bin = 0;
    if (position >= static_cast<double>(last)) bin = last;
    else if (position > 0) bin = static_cast<std::size_t>(position);
    bins[bin] += 1;
  }
}

void merge(ColumnIndexStats& into, const ColumnIndexStats& from) {
  into.nan_count += from.nan_count;
  if (!from.has_min_max) return;
  if (!into.has_min_max) {
    into.has_min_max = true;
    into.min = from.min;
    into.max = from.max;
    return;
  }
  if (compare_index_values(from.min, into.min) < 0) into.min = from.min;
  if (compare_index_values(from.max, into.max) > 0) into.max = from.max;
}

Json value_json(const IndexValue& value) {
  switch (value.kind) {
    case IndexValue::Kind::int64: return Json(value.i);
    case IndexValue::Kind::uint64: return Json(value.u);
    case IndexValue::Kind::float64:
      if (std::isinf(value.f)) return Json(value.f > 0 ? "Infinity" : "-Infinity");
      return Json(value.f);
  }
  return Json(nullptr);
}

}  // namespace

StreamIndexStatistics stream_index_statistics(const std::vector<ManifestFile>& files, const std::string& stream,
                                              int64_t schema_version) {
  StreamIndexStatistics out;
  for (const ManifestFile& file : files) {
    if (file.stream != stream) continue;
    out.step_min = out.files == 0 ? file.step_min : std::min(out.step_min, file.step_min);
    out.step_max = out.files == 0 ? file.step_max : std::max(out.step_max, file.step_max);
    out.time_min = out.files == 0 ? file.time_min : std::min(out.time_min, file.time_min);
    out.time_max = out.files == 0 ? file.time_max : std::max(out.time_max, file.time_max);
    ++out.files;
    out.frames += file.frames;
    out.rows += file.rows;
    if (file.row_group_index.empty()) continue;
    ++out.indexed_files;
    if (file.schema_version != schema_version) continue;  // its columnStats list another version's columns
    for (const RowGroupIndex& group : file.row_group_index) {
      if (out.columns.size() < group.columns.size()) out.columns.resize(group.columns.size());
      for (std::size_t c = 0; c < group.columns.size(); ++c) merge(out.columns[c], group.columns[c]);
    }
  }
  out.average_time_delta = out.frames >= 2 ? (out.time_max - out.time_min) / static_cast<double>(out.frames - 1)
                                           : std::numeric_limits<double>::quiet_NaN();
  if (out.frames == 0) return out;

  out.time_histogram.assign(kTimeHistogramBins, 0);
  const double half_width = (out.time_max / 2 - out.time_min / 2) / static_cast<double>(kTimeHistogramBins);
  for (const ManifestFile& file : files) {
    if (file.stream != stream) continue;
    if (file.row_group_index.empty()) {
      count_spread(out.time_histogram, out.time_min, half_width, file.time_min, file.time_max, file.frames);
      continue;
    }
    int64_t indexed_frames = 0;
    for (const RowGroupIndex& group : file.row_group_index) {
      indexed_frames += group.frames;
      if (group.frame_entries.empty()) {
        count_spread(out.time_histogram, out.time_min, half_width, group.time_min, group.time_max, group.frames);
        continue;
      }
      for (const FrameIndexEntry& frame : group.frame_entries)
        count_spread(out.time_histogram, out.time_min, half_width, frame.time, frame.time, 1);
    }
    // Frames of zero rows are in no row group; the file's range is all that says where.
    count_spread(out.time_histogram, out.time_min, half_width, file.time_min, file.time_max, file.frames - indexed_frames);
  }
  return out;
}

Json index_statistics_json(const StreamIndexStatistics& s, const std::vector<std::string>& column_names) {
  Json out = Json::object();
  out["files"] = s.files;
  out["indexedFiles"] = s.indexed_files;
  out["frames"] = s.frames;
  out["rows"] = s.rows;
  out["steps"] = s.files == 0 ? Json(nullptr) : Json{{"min", s.step_min}, {"max", s.step_max}};
  out["time"] = s.files == 0 ? Json(nullptr) : Json{{"min", s.time_min}, {"max", s.time_max}};
  out["averageTimeDelta"] = std::isfinite(s.average_time_delta) ? Json(s.average_time_delta) : Json(nullptr);
  out["timeHistogram"] = s.time_histogram.empty()
                             ? Json(nullptr)
                             : Json{{"min", s.time_min}, {"max", s.time_max}, {"counts", s.time_histogram}};
  Json columns = Json::array();
  for (std::size_t c = 0; c < s.columns.size() && c < column_names.size(); ++c) {
    const ColumnIndexStats& column = s.columns[c];
    columns.push_back({{"name", column_names[c]},
                       {"min", column.has_min_max ? value_json(column.min) : Json(nullptr)},
                       {"max", column.has_min_max ? value_json(column.max) : Json(nullptr)},
                       {"nanCount", column.nan_count}});
  }
  out["columns"] = std::move(columns);
  return out;
}

}  // namespace simingest::storage
