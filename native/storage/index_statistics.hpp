// Statistics of one stream's time index over the committed files
// (the "index" of each stream in `simingest inspect`, docs/CLI.md): step and time ranges, rows,
// frames, the average time between frames, a histogram of frame times and
// per declared column min, max and NaN count. Computed from manifest entries
// alone, so no Parquet footer is read.
//
// Frame times are exact where a row group records its frames; a row group of
// many tiny frames (storage/row_group_index.hpp) counts its frames as evenly
// spread over its time range, and a file without an index (older build,
// salvaged) its frames over the file's range.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "storage/manifest.hpp"

namespace simingest::storage {

inline constexpr std::size_t kTimeHistogramBins = 20;

struct StreamIndexStatistics {
  int64_t files = 0;
  int64_t indexed_files = 0;  // files whose entry carries a row-group index
  int64_t frames = 0;
  int64_t rows = 0;
  int64_t step_min = 0, step_max = 0;
  double time_min = 0, time_max = 0;
  // (time_max - time_min) / (frames - 1); NaN with fewer than two frames.
  double average_time_delta = 0;
  // kTimeHistogramBins equal bins over [time_min, time_max] (the last one
  // closed); empty without frames.
  std::vector<uint64_t> time_histogram;
  // Per declared column over the row groups of the indexed files; empty
  // when no file is indexed.
  std::vector<ColumnIndexStats> columns;
};

// The statistics of `stream` over `files` (the other streams' entries are
// skipped). Per-column statistics come from the files of `schema_version`
// only (the stream's newest: its columns are the ones named), since each
// file's columnStats list the columns of the version it was written with.
StreamIndexStatistics stream_index_statistics(const std::vector<ManifestFile>& files, const std::string& stream,
                                              int64_t schema_version = 1);

// As JSON: { "files", "indexedFiles", "frames", "rows", "steps": {min, max} | null,
// "time": {min, max} | null, "averageTimeDelta" (null below two frames),
// "timeHistogram": {"min", "max", "counts": [20]} | null, "columns": [{"name",
// "min", "max", "nanCount"}] } — `column_names` are the declared columns.
nlohmann::ordered_json index_statistics_json(const StreamIndexStatistics& statistics,
                                             const std::vector<std::string>& column_names);

}  // namespace simingest::storage
