// RowAppender (row_appender.hpp, ADR 0021). append() is the hot path: a few
// checks and one copy per column into buffers allocated at open; the clock
// it reads for appender.intervalMs is CLOCK_MONOTONIC_COARSE (a few ns, a
// tick of a few ms, well under any sensible interval).
#include "pipeline/row_appender.hpp"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

#include "core/names.hpp"
#include "pipeline/frame_admission.hpp"
#include "pipeline/frame_validation.hpp"
#include "pipeline/stream_state.hpp"

namespace simingest::pipeline {

namespace {

int64_t coarse_now_ns() noexcept {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

constexpr std::size_t padded64(std::size_t bytes) noexcept { return (bytes + 63) / 64 * 64; }

}  // namespace

RowAppender::RowAppender(StreamState& stream, FrameAdmission& admission)
    : stream_(stream), admission_(admission) {
  const auto& declared = stream.config.columns;
  capacity_ = static_cast<uint64_t>(stream.config.appender.rows);
  interval_ns_ = stream.config.appender.interval_ms * 1000000;
  std::size_t bytes = 2 * padded64(capacity_ * 8);
  columns_.resize(declared.size());
  all_eight_bytes_ = true;
  for (std::size_t j = 0; j < declared.size(); ++j) {
    Column& column = columns_[j];
    column.width = dtype_size(declared[j].dtype);
    column.offset = row_bytes_;
    column.reject_non_finite = declared[j].non_finite == NonFinitePolicy::reject && dtype_is_float(declared[j].dtype);
    column.is_float32 = declared[j].dtype == Dtype::float32;
    any_reject_ |= column.reject_non_finite;
    all_eight_bytes_ &= column.width == 8;
    row_bytes_ += column.width;
    bytes += padded64(capacity_ * column.width);
  }
  storage_.reset(new uint64_t[bytes / 8]);  // 8-byte aligned: every value is
  unsigned char* cursor = reinterpret_cast<unsigned char*>(storage_.get());
  steps_ = reinterpret_cast<int64_t*>(cursor);
  cursor += padded64(capacity_ * 8);
  times_ = reinterpret_cast<double*>(cursor);
  cursor += padded64(capacity_ * 8);
  table_.resize(declared.size());
  for (std::size_t j = 0; j < declared.size(); ++j) {
    columns_[j].data = cursor;
    cursor += padded64(capacity_ * columns_[j].width);
    table_[j] = simingest_column{declared[j].name.c_str(), static_cast<simingest_dtype>(declared[j].dtype),
                                 columns_[j].data, 0};
  }
}

// The checks ingest() makes of a frame's step and time, and of the values of
// nonFinite "reject" columns, for one row. A refused row counts as a
// rejected frame.
Status RowAppender::check_row(int64_t step, double time, const unsigned char* row, int64_t& partition,
                              std::string& message) noexcept {
  try {
    double time_partition = 0;
    if (const Status status = check_time(stream_, nullptr, 0, time, time_partition, message); status != Status::ok)
      return status;
    partition = partition_of(stream_, step, time_partition);
    if (!any_reject_) return Status::ok;
    for (std::size_t j = 0; j < columns_.size(); ++j) {
      const Column& column = columns_[j];
      if (!column.reject_non_finite) continue;
      double value = 0;
      if (column.is_float32) {
        float f = 0;
        std::memcpy(&f, row + column.offset, 4);
        value = f;
      } else {
        std::memcpy(&value, row + column.offset, 8);
      }
      if (std::isfinite(value)) continue;
      return reject(stream_, Status::non_finite,
                    stream_prefix(stream_) + "appended row at step " + std::to_string(step) + ": column " +
                        quote_name(stream_.config.columns[j].name) + " is " +
                        (std::isnan(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity") +
                        " but its nonFinite policy is \"reject\"",
                    message);
    }
    return Status::ok;
  } catch (const std::bad_alloc&) {
    message = "out of memory";
    return Status::out_of_memory;
  }
}

Status RowAppender::append(int64_t step, double time, const void* values, std::string& message) noexcept {
  const auto* row = static_cast<const unsigned char*>(values);
  int64_t partition = 0;
  // Fast path: a finite time, no time partition, no reject column.
  if (!(std::isfinite(time) && stream_.config.partition.kind == PartitionConfig::Kind::none && !any_reject_)) {
    if (const Status status = check_row(step, time, row, partition, message); status != Status::ok) return status;
  }
  // After resumeFromStep, a re-run row the dataset already holds is skipped,
  // as ingest() skips such a frame.
  if (stream_.skip_resumed && step <= stream_.skip_resumed_through) {
    stream_.counters.count_skipped_at_admission(row_bytes_);
    return Status::ok;
  }
  if (rows_ > 0) {
    const bool full = rows_ == capacity_;
    const bool other_partition = partition != partition_;
    const bool due = interval_ns_ > 0 && coarse_now_ns() - first_row_ns_ >= interval_ns_;
    if (full || other_partition || due) {
      if (const Status status = hand_off(message); status != Status::ok) return status;
    }
  }
  const uint64_t r = rows_;
  if (r == 0) {
    partition_ = partition;
    step_min_ = step_max_ = step;
    time_min_ = time_max_ = time;
    if (interval_ns_ > 0) first_row_ns_ = coarse_now_ns();
  } else {
    step_min_ = std::min(step_min_, step);
    step_max_ = std::max(step_max_, step);
    time_min_ = std::min(time_min_, time);
    time_max_ = std::max(time_max_, time);
  }
  steps_[r] = step;
  times_[r] = time;
  if (all_eight_bytes_) {
    for (std::size_t j = 0; j < columns_.size(); ++j) std::memcpy(columns_[j].data + r * 8, row + j * 8, 8);
  } else {
    for (const Column& column : columns_)
      std::memcpy(column.data + r * column.width, row + column.offset, column.width);
  }
  rows_ = r + 1;
  return Status::ok;
}

Status RowAppender::flush(std::string& message) noexcept {
  if (rows_ == 0) return Status::ok;
  return hand_off(message);
}

Status RowAppender::hand_off(std::string& message) noexcept {
  for (simingest_column& column : table_) column.length = rows_;
  RowBatch batch;
  batch.columns = table_.data();
  batch.steps = steps_;
  batch.times = times_;
  batch.rows = rows_;
  batch.partition = partition_;
  batch.step_min = step_min_;
  batch.step_max = step_max_;
  batch.time_min = time_min_;
  batch.time_max = time_max_;
  const Status status = admission_.admit_rows(stream_, batch, message);
  if (status == Status::ok) rows_ = 0;  // else they stay pending for the next hand-off
  return status;
}

}  // namespace simingest::pipeline
