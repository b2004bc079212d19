// The host thread's share of an ingest call: check the frame against the
// stream's schema, charge the memory budget under the backpressure policy,
// copy the arrays into one pool buffer and enqueue. Nothing here encodes,
// compresses or writes; nothing here allocates in steady state.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>
#include <thread>

#include "core/names.hpp"
#include "kernels/non_finite.hpp"
#include "pipeline/engine_impl.hpp"

namespace simingest {

using pipeline::Frame;
using pipeline::FrameColumn;
using pipeline::StreamState;

namespace {

constexpr std::size_t kMaxColumnsOnStack = 128;

std::string stream_prefix(const StreamState& stream) {
  return "stream " + quote_name(stream.config.name) + ": ";
}

std::string column_prefix(const StreamState& stream, const ColumnConfig& column) {
  return stream_prefix(stream) + "column " + quote_name(column.name) + ": ";
}

std::string grid_text(const std::vector<int64_t>& grid) {
  std::string text = "[";
  for (std::size_t i = 0; i < grid.size(); ++i) text += (i ? ", " : "") + std::to_string(grid[i]);
  return text + "]";
}

// A double as it reads back ("1e+300", not 301 digits).
std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

std::string mib(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

// The error for the first value a `nonFinite: "reject"` column refuses.
std::string non_finite_text(const StreamState& stream, const ColumnConfig& column, const unsigned char* data,
                            std::size_t bad, bool is_scalar) {
  double value = 0;
  if (column.dtype == Dtype::float32) {
    float f;
    std::memcpy(&f, data + bad * 4, 4);
    value = f;
  } else {
    std::memcpy(&value, data + bad * 8, 8);
  }
  const char* what = std::isnan(value) ? "NaN" : (value > 0 ? "+Inf" : "-Inf");
  return column_prefix(stream, column) + what +
         (is_scalar ? std::string(" as the scalar value") : " at row " + std::to_string(bad)) +
         " rejected (nonFinite is \"reject\")";
}

}  // namespace

Status Engine::Impl::admit(const char* stream_c_name, int64_t step, double time,
                             const simingest_column* columns, std::size_t ncolumns, bool nowait,
                             std::string& message) noexcept {
  const int64_t started_ns = monotonic_ns();
  try {
    if (closed.load(std::memory_order_acquire)) {
      message = "the ingestor is closed";
      return Status::closed;
    }
    if (failed.load(std::memory_order_acquire)) return failure(message);

    if (stream_c_name == nullptr) {
      unattributed.frames_rejected.fetch_add(1, std::memory_order_relaxed);
      message = "stream is NULL";
      return Status::invalid_argument;
    }
    // Longer names than the rule allows cannot match; cut them for the message.
    const std::string_view stream_name(stream_c_name, strnlen(stream_c_name, 4 * kMaxNameLength));
    const auto found = stream_index.find(stream_name);
    StreamState* const stream = found == stream_index.end() ? nullptr : found->second;
    if (stream == nullptr) {
      unattributed.frames_rejected.fetch_add(1, std::memory_order_relaxed);
      message = "unknown stream " + quote_name(stream_name);
      return is_valid_name(stream_name) ? Status::unknown_stream : Status::invalid_argument;
    }
    auto reject = [&](Status status, std::string text) {
      stream->counters.frames_rejected.fetch_add(1, std::memory_order_relaxed);
      message = std::move(text);
      return status;
    };

    if (columns == nullptr && ncolumns > 0)
      return reject(Status::invalid_argument,
                    stream_prefix(*stream) + "columns is NULL but ncolumns is " + std::to_string(ncolumns));
    if (!std::isfinite(time))
      return reject(Status::invalid_argument,
                    stream_prefix(*stream) + "time must be finite but is " + std::to_string(time));
    // A partition number is an int64: a time past 2^63 spans has none (and
    // converting it would be undefined behaviour).
    double time_partition = 0;
    if (stream->config.partition.kind == PartitionConfig::Kind::time) {
      time_partition = std::floor(time / stream->config.partition.time_span);
      if (!(time_partition >= -9223372036854775808.0 && time_partition < 9223372036854775808.0))
        return reject(Status::invalid_argument,
                      stream_prefix(*stream) + "time " + number_text(time) +
                          " is beyond the last partition (2^63 partitions of " +
                          number_text(stream->config.partition.time_span) + ")");
    }

    // Match the given columns to the declared ones.
    const auto& declared = stream->config.columns;
    const std::size_t ndeclared = declared.size();
    int32_t stack_slots[kMaxColumnsOnStack];
    std::vector<int32_t> heap_slots;
    int32_t* slot = stack_slots;
    if (ndeclared > kMaxColumnsOnStack) {
      heap_slots.resize(ndeclared);
      slot = heap_slots.data();
    }
    for (std::size_t j = 0; j < ndeclared; ++j) slot[j] = -1;

    for (std::size_t i = 0; i < ncolumns; ++i) {
      const simingest_column& given = columns[i];
      if (given.name == nullptr)
        return reject(Status::invalid_argument,
                      stream_prefix(*stream) + "columns[" + std::to_string(i) + "].name is NULL");
      const std::string_view name(given.name, strnlen(given.name, 4 * kMaxNameLength));
      // Columns in declared order match by position; others by the stream's index.
      std::size_t j = i;
      if (j >= ndeclared || declared[j].name != name) {
        const auto index = stream->column_index.find(name);
        j = index == stream->column_index.end() ? ndeclared : index->second;
      }
      if (j == ndeclared) {
        if (is_reserved_column_name(name))
          return reject(Status::invalid_argument,
                        stream_prefix(*stream) + "column " + quote_name(name) +
                            " is reserved: pass it as the " + std::string(name) + " argument");
        return reject(is_valid_name(name) ? Status::unknown_column : Status::invalid_argument,
                      stream_prefix(*stream) + "unknown column " + quote_name(name));
      }
      if (slot[j] >= 0)
        return reject(Status::unknown_column,
                      column_prefix(*stream, declared[j]) + "given twice in one frame");
      // A C caller may store any int in the enum field; loading it as the enum
      // type would be undefined behaviour, so read its bytes as an int.
      static_assert(sizeof(simingest_dtype) == sizeof(int), "simingest_dtype is int-sized");
      int dtype_value = 0;
      std::memcpy(&dtype_value, &given.dtype, sizeof dtype_value);
      const auto dtype = dtype_from_c(dtype_value);
      if (!dtype)
        return reject(Status::invalid_argument,
                      column_prefix(*stream, declared[j]) + "dtype " + std::to_string(dtype_value) +
                          " is not a simingest_dtype");
      if (*dtype != declared[j].dtype)
        return reject(Status::dtype_mismatch, column_prefix(*stream, declared[j]) + "expected " +
                                                  std::string(dtype_name(declared[j].dtype)) + " but received " +
                                                  std::string(dtype_name(*dtype)));
      if (given.data == nullptr && given.length != 0)
        return reject(Status::invalid_argument, column_prefix(*stream, declared[j]) + "data is NULL");
      slot[j] = static_cast<int32_t>(i);
    }

    // Every declared column present; arrays agree on the row count.
    uint64_t rows = 0;
    int32_t rows_from = -1;
    uint64_t array_bytes = 0;
    uint64_t padded_bytes = 0;
    uint64_t scalar_width = 0;  // bytes of one row of the scalar columns
    uint64_t bytes_in = 0;
    for (std::size_t j = 0; j < ndeclared; ++j) {
      if (slot[j] < 0)
        return reject(Status::missing_column, stream_prefix(*stream) + "missing column " + quote_name(declared[j].name));
      const simingest_column& given = columns[slot[j]];
      const std::size_t width = dtype_size(declared[j].dtype);
      if (given.length == SIMINGEST_SCALAR) {
        bytes_in += width;
        scalar_width += width;
        continue;
      }
      if (given.length > (uint64_t{1} << 40))
        return reject(Status::invalid_argument, column_prefix(*stream, declared[j]) + "length " +
                                                    std::to_string(given.length) + " is impossible");
      if (rows_from < 0) {
        rows = given.length;
        rows_from = static_cast<int32_t>(j);
      } else if (given.length != rows) {
        return reject(Status::length_mismatch,
                      column_prefix(*stream, declared[j]) + "has " + std::to_string(given.length) +
                          " values but column " + quote_name(declared[rows_from].name) + " has " +
                          std::to_string(rows));
      }
      array_bytes += given.length * width;
      padded_bytes += (given.length * width + 63) / 64 * 64;
    }
    bytes_in += array_bytes;
    if (stream->grid_rows != 0) {
      if (rows_from < 0) {
        rows = stream->grid_rows;
      } else if (rows != stream->grid_rows) {
        return reject(Status::length_mismatch,
                      column_prefix(*stream, declared[rows_from]) + "has " + std::to_string(rows) +
                          " values but the grid " + grid_text(stream->config.grid) + " needs " +
                          std::to_string(stream->grid_rows));
      }
    } else if (rows_from < 0) {
      rows = 1;
    }

    // A frame that is not copied (skipped after a resume, dropped or refused
    // for a full budget) is still checked against the nonFinite policy, read
    // in place: bad values get the same error whatever the memory pressure.
    auto refuse_non_finite = [&](Status& status) {
      for (std::size_t j = 0; j < ndeclared; ++j) {
        const ColumnConfig& column = declared[j];
        if (column.non_finite != NonFinitePolicy::reject || !dtype_is_float(column.dtype)) continue;
        const simingest_column& given = columns[slot[j]];
        const bool is_scalar = given.length == SIMINGEST_SCALAR;
        const std::size_t count = is_scalar ? 1 : given.length;
        const auto* data = static_cast<const unsigned char*>(given.data);
        const std::size_t bad = kernels::find_non_finite(column.dtype, data, count);
        if (bad < count) {
          status = reject(Status::non_finite, non_finite_text(*stream, column, data, bad, is_scalar));
          return true;
        }
      }
      return false;
    };

    // After resumeFromStep, a re-run frame the dataset already holds (this
    // stream has a frame at a later or equal step) is accepted and skipped.
    if (stream->skip_resumed && step <= stream->skip_resumed_through) {
      if (Status refused; refuse_non_finite(refused)) return refused;
      stream->counters.count_skipped_at_admission(bytes_in);
      return Status::ok;
    }

    // Charge the budget, as the backpressure policy says. A cached buffer is
    // charged already (the cache counts in the budget): then only the
    // reservation for the encoded pages is new.
    const uint64_t buffer_bytes = pipeline::frame_header_bytes(ndeclared) + padded_bytes;
    // Scalars are charged as the rows they expand to (rows < 2^40, a row < 2^20
    // bytes: no overflow), so a scalar-only frame on a huge grid is too large.
    const uint64_t reserve =
        pipeline::encode_reserve_bytes(array_bytes + scalar_width * rows, rows, ndeclared, config.page_bytes);
    const uint64_t charge = pipeline::BufferPool::capacity_for(buffer_bytes) + reserve;
    if (charge > budget.limit())
      return reject(Status::frame_too_large,
                    stream_prefix(*stream) + "the frame needs " + mib(charge) + " of the memory budget but memoryLimit is " +
                        mib(budget.limit()));
    const std::size_t node = current_node();
    pipeline::Buffer buffer = pool.take(buffer_bytes, node);
    const uint64_t need = reserve + (buffer.data ? 0 : pipeline::BufferPool::capacity_for(buffer_bytes));
    // Idle cached buffers are the first thing to give up for a frame.
    auto make_room = [&] {
      const std::size_t freed = pool.evict(need);
      if (freed) budget.release(freed);
      return budget.try_acquire(need);
    };
    if (!budget.try_acquire(need) && !make_room()) {
      relieve_memory_pressure();
      const auto& policy = config.backpressure;
      auto give_up = [&] { recycle(buffer); };
      if (policy.policy != BackpressurePolicy::block) {
        if (Status refused; refuse_non_finite(refused)) {
          give_up();
          return refused;
        }
      }
      if (policy.policy == BackpressurePolicy::drop) {
        give_up();
        stream->counters.count_dropped_at_admission(bytes_in);
        return Status::ok;
      }
      const std::string full = stream_prefix(*stream) + "memory budget full (" + mib(budget.used()) + " of " +
                               mib(budget.limit()) + " in use, the frame needs " + mib(charge) + ")";
      if (policy.policy == BackpressurePolicy::error) {
        give_up();
        return reject(Status::backpressure, full);
      }
      if (nowait) {
        give_up();
        message = full;
        return Status::would_block;
      }
      // Wait in slices, re-checking that something will free memory: the
      // row groups holding it may need a seal marker to move on.
      constexpr int64_t kSliceMs = 20;
      const int64_t deadline_ns = policy.timeout_ms < 0 ? -1 : monotonic_ns() + policy.timeout_ms * 1000000;
      for (bool acquired = false; !acquired;) {
        int64_t slice = kSliceMs;
        if (deadline_ns >= 0) slice = std::min<int64_t>(slice, std::max<int64_t>(0, (deadline_ns - monotonic_ns()) / 1000000));
        switch (budget.acquire(need, slice)) {
          case pipeline::MemoryBudget::WaitResult::acquired: acquired = true; break;
          case pipeline::MemoryBudget::WaitResult::timed_out:
            if (make_room()) {
              acquired = true;
              break;
            }
            if (deadline_ns >= 0 && monotonic_ns() >= deadline_ns) {
              give_up();
              if (Status refused; refuse_non_finite(refused)) return refused;
              return reject(Status::backpressure, full + " after waiting " + std::to_string(policy.timeout_ms) + " ms");
            }
            relieve_memory_pressure();
            break;
          case pipeline::MemoryBudget::WaitResult::closed:
            give_up();
            message = "the ingestor is closed";
            return Status::closed;
        }
      }
    }

    if (buffer.data == nullptr) {
      try {
        buffer = pool.allocate(buffer_bytes, node);
      } catch (const std::bad_alloc&) {
        budget.release(need);
        message = stream_prefix(*stream) + "out of memory allocating " + mib(buffer_bytes);
        return Status::out_of_memory;
      }
    }

    // Lay out and copy: header, column table, arrays.
    Frame* frame = new (buffer.data) Frame();
    frame->columns = reinterpret_cast<FrameColumn*>(buffer.data + sizeof(Frame));
    unsigned char* cursor = buffer.data + pipeline::frame_header_bytes(ndeclared);
    for (std::size_t j = 0; j < ndeclared; ++j) {
      const simingest_column& given = columns[slot[j]];
      const ColumnConfig& column = declared[j];
      FrameColumn* out = new (&frame->columns[j]) FrameColumn();
      const std::size_t width = dtype_size(column.dtype);
      const bool is_scalar = given.length == SIMINGEST_SCALAR;
      const std::size_t count = is_scalar ? 1 : given.length;
      const bool scan_non_finite = column.non_finite == NonFinitePolicy::reject && dtype_is_float(column.dtype);
      std::size_t copied_non_finite = count;  // first NaN/Inf found while copying, if scanned
      if (is_scalar) {
        std::memcpy(&out->scalar_bits, given.data, width);
        out->data = reinterpret_cast<const unsigned char*>(&out->scalar_bits);
        out->is_scalar = true;
      } else {
        // A rejecting column is scanned in the same pass that copies it.
        if (scan_non_finite)
          copied_non_finite = kernels::copy_and_find_non_finite(column.dtype, cursor, given.data, count);
        else if (count != 0) std::memcpy(cursor, given.data, count * width);
        out->data = cursor;
        cursor += (count * width + 63) / 64 * 64;
      }
      if (scan_non_finite) {
        const auto bad = is_scalar ? kernels::find_non_finite(column.dtype, out->data, count) : copied_non_finite;
        if (bad < count) {
          recycle(buffer);  // its capacity stays charged only if cached
          budget.release(reserve);
          return reject(Status::non_finite, non_finite_text(*stream, column, out->data, bad, is_scalar));
        }
      }
    }

    frame->kind = Frame::Kind::data;
    frame->stream = stream->index;
    frame->step = step;
    frame->time = time;
    frame->rows = rows;
    frame->bytes_in = bytes_in;
    frame->buffer_charge = buffer.capacity;
    frame->encode_reserve = reserve;
    frame->buffer = buffer;
    frame->ncolumns = static_cast<uint32_t>(ndeclared);
    switch (stream->config.partition.kind) {
      case PartitionConfig::Kind::none: frame->partition = 0; break;
      case PartitionConfig::Kind::steps: {
        const int64_t span = stream->config.partition.steps;
        frame->partition = step / span - ((step % span != 0 && step < 0) ? 1 : 0);
        break;
      }
      case PartitionConfig::Kind::time:
        frame->partition = static_cast<int64_t>(time_partition);
        break;
    }

    stream->counters.frames_accepted.fetch_add(1, std::memory_order_relaxed);
    stream->counters.bytes_in.fetch_add(bytes_in, std::memory_order_relaxed);
    frame->seq = stream->next_seq.fetch_add(1, std::memory_order_acq_rel);
    enqueue(frame);
    stage_validate.record(monotonic_ns() - started_ns);
    return Status::ok;
  } catch (const std::bad_alloc&) {
    message = "out of memory";
    return Status::out_of_memory;
  } catch (const std::exception& e) {
    message = std::string("internal error: ") + e.what();
    return Status::internal;
  }
}

void Engine::Impl::enqueue(Frame* frame) {
  frame->enqueued_ns = monotonic_ns();
  // Frames in flight are bounded by the budget, so a full queue is brief.
  // The queue of the node holding the frame's memory, for that node's workers.
  auto& queue = *frame_queues[frame->buffer.node];
  while (!queue.try_push(frame)) std::this_thread::yield();
  // A spinning worker will take it (stream_sequencer.cpp: spin_for_frame).
  // A read-modify-write, not a load: it orders the push before the read.
  if (spinning.fetch_add(0, std::memory_order_seq_cst) == 0) work_available.post();
}

void Engine::Impl::enqueue_marker(StreamState& stream, Frame::Kind kind, pipeline::FlushTicket* ticket) {
  // Markers are tiny and rare: allocated outside the budget, freed, never cached.
  pipeline::Buffer buffer = pool.allocate(sizeof(Frame), current_node());
  Frame* marker = new (buffer.data) Frame();
  marker->kind = kind;
  marker->stream = stream.index;
  marker->buffer = buffer;
  marker->ticket = ticket;
  marker->seq = stream.next_seq.fetch_add(1, std::memory_order_acq_rel);
  enqueue(marker);
}

void Engine::Impl::recycle(pipeline::Buffer buffer) noexcept {
  if (buffer.data == nullptr) return;
  // A waiting host needs the budget more than the next frame needs a warm buffer.
  if (!budget.has_waiters() && pool.put(buffer)) return;
  pipeline::BufferPool::free(buffer);
  budget.release(buffer.capacity);
}

void Engine::Impl::relieve_memory_pressure() noexcept {
  if (row_groups_in_flight.load(std::memory_order_acquire) > 0) return;  // they will free memory
  if (relief_pending.exchange(true, std::memory_order_acq_rel)) return;  // markers already on their way
  relief_remaining.store(static_cast<uint32_t>(streams.size()), std::memory_order_release);
  for (auto& stream : streams) {
    try {
      enqueue_marker(*stream, Frame::Kind::seal, nullptr);
    } catch (...) {
      // Out of memory for a marker: count it as processed; a later wait retries.
      if (relief_remaining.fetch_sub(1, std::memory_order_acq_rel) == 1)
        relief_pending.store(false, std::memory_order_release);
    }
  }
}

uint64_t Engine::Impl::room_estimate(std::size_t array_bytes) const noexcept {
  std::size_t widest = 0;
  for (const auto& stream : streams) widest = std::max(widest, stream->config.columns.size());
  const uint64_t padded = array_bytes + 64 * widest;
  const uint64_t estimate = pipeline::frame_header_bytes(widest) + padded +
                            pipeline::encode_reserve_bytes(padded, 0, widest, config.page_bytes);
  return std::min<uint64_t>(estimate, budget.limit());
}

}  // namespace simingest
