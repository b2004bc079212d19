// Lossy quantisation of float columns in the pipeline (issue 16 item 4,
// kernels/quantize.hpp): a worker rounds a frame's quantised columns in the
// engine's copy of the frame before it computes their statistics, so
// statistics, page index, queries of frames in memory and files all see the
// stored values; the caller's arrays are never touched.
//
// QuantizeErrorTotals is the error made so far in one column of a stream,
// merged by every worker once per frame (a mutex: a handful of doubles, not
// the hot loop) and read by stats().
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "pipeline/frame.hpp"

namespace simingest::pipeline {

struct QuantizeErrorSnapshot {
  double max_abs = 0;
  double max_rel = 0;
  double sum_squares = 0;
  uint64_t finite = 0;  // values seen that were finite
};

class QuantizeErrorTotals {
 public:
  void add(const QuantizeErrorSnapshot& frame) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (frame.max_abs > total_.max_abs) total_.max_abs = frame.max_abs;
    if (frame.max_rel > total_.max_rel) total_.max_rel = frame.max_rel;
    total_.sum_squares += frame.sum_squares;
    total_.finite += frame.finite;
  }
  QuantizeErrorSnapshot get() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return total_;
  }

 private:
  mutable std::mutex mutex_;
  QuantizeErrorSnapshot total_;
};

// Rounds one column of a data frame in place per its `quantize` choice and
// adds the error made to `totals`. `column.data` must be the engine's copy (a
// pool buffer, or the frame's scalar_bits), never the caller's array.
// Allocates nothing.
void quantize_frame_column(FrameColumn& column, uint64_t rows, const ColumnConfig& config, uint64_t page_bytes,
                           QuantizeErrorTotals& totals);

// absError derives its bits per block of this many values (from the start
// of each frame's column): at most one data page's worth (pageBytes over the
// value size), so no block mixes more values than a page holds.
std::size_t quantize_block_values(Dtype dtype, uint64_t page_bytes) noexcept;

// The stream's quantised columns and their bounds, as the file key-value
// metadata `simingest.quantize` (docs/ON_DISK.md); nothing when no column is.
std::optional<std::string> quantize_metadata_json(const StreamConfig& stream, uint64_t page_bytes);

// The error each quantised column met so far, for stats() (docs/STATS.md):
// a JSON object by column name; nothing when no column is quantised. A JSON
// value, not text: stats_json() nests it as is.
std::optional<nlohmann::ordered_json> quantize_stats_json(const StreamConfig& stream,
                                                          const QuantizeErrorTotals* totals);

}  // namespace simingest::pipeline
