// The time index of a committed file (docs/ON_DISK.md, "Row-group index"):
// per row group its row range, frames, bytes, step and time ranges, the
// statistics of every declared column and, for row groups of few large
// frames, each frame's step, time and rows. It lives in the file's manifest
// entry, so a reader finds the row groups (and the rows) of a step or time
// range without opening any Parquet footer.
//
// Values keep their kind: integers of signed dtypes as int64, of unsigned
// dtypes as uint64, floats as double (a float32 widens exactly). The JSON
// form writes them as exact JSON integers or numbers that round-trip, so a
// value read back has the very bits the engine computed.
#pragma once

#include <cstdint>
#include <vector>

#include "core/column_stats.hpp"
#include "core/dtype.hpp"

namespace simingest::storage {

// One value of a column statistic, tagged with its kind.
struct IndexValue {
  enum class Kind : uint8_t { int64, uint64, float64 };
  Kind kind = Kind::int64;
  int64_t i = 0;   // Kind::int64
  uint64_t u = 0;  // Kind::uint64
  double f = 0;    // Kind::float64 (never NaN; may be ±infinity)
  bool operator==(const IndexValue& o) const noexcept;
  bool operator!=(const IndexValue& o) const noexcept { return !(*this == o); }
};

// Statistics of one declared column over one row group.
struct ColumnIndexStats {
  bool has_min_max = false;  // false when every value was NaN
  IndexValue min, max;
  uint64_t nan_count = 0;
  bool operator==(const ColumnIndexStats& o) const noexcept {
    return has_min_max == o.has_min_max && nan_count == o.nan_count &&
           (!has_min_max || (min == o.min && max == o.max));
  }
};

// One frame of a row group that records its frames.
struct FrameIndexEntry {
  int64_t step = 0;
  double time = 0;
  int64_t first_row = 0;  // in the file; derived from the rows of the frames before it
  int64_t rows = 0;
  bool operator==(const FrameIndexEntry& o) const noexcept {
    return step == o.step && time == o.time && first_row == o.first_row && rows == o.rows;
  }
};

struct RowGroupIndex {
  int64_t first_row = 0;  // in the file
  int64_t rows = 0;
  int64_t frames = 0;
  int64_t bytes = 0;  // compressed column chunks (pages as stored)
  int64_t step_min = 0, step_max = 0;
  double time_min = 0, time_max = 0;
  std::vector<ColumnIndexStats> columns;  // the stream's declared columns, in schema order
  // Empty unless records_frames(rows, frames): then one entry per frame, in order.
  std::vector<FrameIndexEntry> frame_entries;
  bool operator==(const RowGroupIndex& o) const noexcept {
    return first_row == o.first_row && rows == o.rows && frames == o.frames && bytes == o.bytes &&
           step_min == o.step_min && step_max == o.step_max && time_min == o.time_min &&
           time_max == o.time_max && columns == o.columns && frame_entries == o.frame_entries;
  }
};

// The rule for per-frame entries: a row group whose frames average at least
// this many rows records each frame (a frame is then a row range worth
// finding); one of many tiny frames (scalar diagnostics: one row per frame)
// records none, its step and time columns being the index already.
inline constexpr int64_t kMinRowsPerIndexedFrame = 16;
constexpr bool records_frames(int64_t rows, int64_t frames) noexcept {
  return frames > 0 && rows >= kMinRowsPerIndexedFrame * frames;
}

// The engine's statistics (bits of `dtype`, core/column_stats.hpp) as index values.
ColumnIndexStats column_index_stats(Dtype dtype, const ColumnStats& stats) noexcept;

// Orders two values of the same kind (-1, 0, 1); floats numerically.
int compare_index_values(const IndexValue& a, const IndexValue& b) noexcept;

// The value as a double (int64/uint64 beyond 2^53 rounded), for statistics.
double index_value_as_double(const IndexValue& value) noexcept;

}  // namespace simingest::storage
