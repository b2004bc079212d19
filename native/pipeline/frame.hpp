// A frame inside the engine: one ingest call's step, time and columns, copied
// into a single pool buffer (header, column table, then 64-byte aligned array
// data), or a flush barrier / seal marker that travels the same path in
// sequence order.
#pragma once

#include <atomic>

#include <cstddef>
#include <cstdint>

#include "core/column_stats.hpp"
#include "pipeline/buffer_pool.hpp"

namespace simingest::pipeline {

class FlushTicket;
class QueryTicket;

struct FrameColumn {
  const unsigned char* data = nullptr;  // array values, or &scalar_bits for a scalar
  uint64_t scalar_bits = 0;             // a scalar's value, little-endian in the low bytes
  bool is_scalar = false;
  ColumnStats stats;                    // filled by a worker
};

struct Frame {
  // barrier: flush up to here (seal, commit the file, count the ticket down);
  // seal: cut the stream's row group here, to free memory under pressure;
  // query: snapshot the stream here (query_ticket.hpp).
  enum class Kind : uint8_t { data, barrier, seal, query };
  Kind kind = Kind::data;
  uint32_t stream = 0;       // index into the ingestor's streams
  uint64_t seq = 0;          // per-stream ingest order
  int64_t step = 0;
  double time = 0;
  uint64_t rows = 0;
  int64_t partition = 0;
  uint64_t bytes_in = 0;       // bytes the caller passed
  uint64_t buffer_charge = 0;  // budget held by the buffer, released once encoded
  uint64_t encode_reserve = 0; // budget held for the encoded pages, released once written
  int64_t enqueued_ns = 0;
  Buffer buffer;               // holds this Frame itself
  FlushTicket* ticket = nullptr;  // barrier only
  QueryTicket* query = nullptr;   // query marker only
  // Who still needs the buffer: the pipeline (until encoded) and any query
  // that captured the frame in memory. The last to let go recycles it.
  std::atomic<uint32_t> holds{1};
  uint32_t ncolumns = 0;
  FrameColumn* columns = nullptr;  // inside buffer
  // A frame of appended rows (row_appender.hpp, ADR 0021) keeps each row's
  // own step and time: arrays of `rows` inside the buffer; `step`/`time` are
  // then the first row's. nullptr for every other frame, whose rows share
  // `step` and `time`. The ranges span every row of either kind.
  const int64_t* row_steps = nullptr;
  const double* row_times = nullptr;
  int64_t step_min = 0, step_max = 0;
  double time_min = 0, time_max = 0;
};

// Bytes of the header and column table, rounded up so array data that follows
// starts 64-byte aligned.
constexpr std::size_t frame_header_bytes(std::size_t ncolumns) noexcept {
  return (sizeof(Frame) + ncolumns * sizeof(FrameColumn) + 63) / 64 * 64;
}

// Most bytes one data page of a dictionary-encoded run takes: page header,
// bit width, one RLE run, and zstd's frame around it (column_chunk.cpp).
constexpr uint64_t kRunPageBytes = 128;

// Budget held for a frame's encoded pages until they are written.
// `value_bytes`: the values its columns encode, arrays as given and scalars
// expanded to one value per row (a scalar in a chunk that also holds arrays
// is written out row by row). Compressed pages can exceed their input by
// zstd's bound (1/256) plus headers. Every column, step and time included,
// may be written as a dictionary run: a page per page-worth of rows, each
// with its header, however few bytes the run's value takes (a scalar on a
// 2^40-cell grid is 8 million pages at the default pageBytes).
constexpr uint64_t encode_reserve_bytes(uint64_t value_bytes, uint64_t rows, std::size_t ncolumns,
                                        uint64_t page_bytes) noexcept {
  const uint64_t rows_per_page = page_bytes / 8 > 0 ? page_bytes / 8 : 1;  // the widest values: fewest rows per page
  const uint64_t pages = rows / rows_per_page + 1;
  return value_bytes + value_bytes / 128 + (ncolumns + 2) * (64 + pages * kRunPageBytes) + 512;
}

}  // namespace simingest::pipeline
