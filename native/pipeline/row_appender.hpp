// A row appender (ADR 0021): rows of one stream, one call per row, gathered
// in column buffers allocated once at open and handed to admission as one
// frame whose rows keep their own step and time (FrameAdmission::admit_rows).
// The hand-off happens before the row that would overflow the buffer, before
// a row of another partition, before a row that finds the first pending row
// `appender.intervalMs` old, and at flush().
//
// Not thread-safe: one thread at a time (the C ABI detects a second one).
// An error from append() means that row was not taken; the rows before it
// stay pending until a hand-off succeeds. Holds references into the engine:
// destroy it before the engine (the C ABI does so when the ingestor closes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "simingest.h"

namespace simingest::pipeline {

struct StreamState;
class FrameAdmission;

class RowAppender {
 public:
  // Allocates the buffers (appender.rows rows). Throws std::bad_alloc.
  RowAppender(StreamState& stream, FrameAdmission& admission);
  RowAppender(const RowAppender&) = delete;
  RowAppender& operator=(const RowAppender&) = delete;

  // Bytes of one row of `values`: the stream's columns in declared order,
  // packed (no padding), each in its dtype's width and native byte order.
  std::size_t row_bytes() const noexcept { return row_bytes_; }
  uint64_t pending_rows() const noexcept { return rows_; }

  // Takes one row: `row_bytes()` bytes at `values`. Never throws.
  Status append(int64_t step, double time, const void* values, std::string& message) noexcept;
  // Hands the pending rows to the engine; with none, does nothing. Never throws.
  Status flush(std::string& message) noexcept;

 private:
  struct Column {
    std::size_t offset = 0;  // in a row of values
    std::size_t width = 0;
    unsigned char* data = nullptr;  // capacity_ values
    bool reject_non_finite = false;  // a float column under nonFinite "reject"
    bool is_float32 = false;
  };
  Status check_row(int64_t step, double time, const unsigned char* row, int64_t& partition,
                   std::string& message) noexcept;
  Status hand_off(std::string& message) noexcept;

  StreamState& stream_;
  FrameAdmission& admission_;
  std::size_t row_bytes_ = 0;
  uint64_t capacity_ = 0;
  int64_t interval_ns_ = 0;
  bool all_eight_bytes_ = false;  // every column 8 bytes wide: the fast copy
  bool any_reject_ = false;
  std::vector<Column> columns_;
  std::unique_ptr<uint64_t[]> storage_;  // every column's values, steps, times
  int64_t* steps_ = nullptr;
  double* times_ = nullptr;
  std::vector<simingest_column> table_;  // the hand-off's columns, lengths set then
  uint64_t rows_ = 0;
  int64_t partition_ = 0;
  int64_t step_min_ = 0, step_max_ = 0;
  double time_min_ = 0, time_max_ = 0;
  int64_t first_row_ns_ = 0;
};

}  // namespace simingest::pipeline
