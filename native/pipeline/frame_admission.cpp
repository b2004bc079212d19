// The host thread's share of an ingest call: check the frame against the
// stream's schema, charge the memory budget under the backpressure policy,
// copy the arrays into one pool buffer and enqueue. Nothing here encodes,
// compresses or writes; nothing here allocates in steady state. The checks
// are in frame_validation.cpp; the steps and the invariant are in
// frame_admission.hpp.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <new>

#include "core/names.hpp"
#include "kernels/non_finite.hpp"
#include "pipeline/avro_record.hpp"
#include "pipeline/frame_admission.hpp"
#include "pipeline/stream_state.hpp"

namespace simingest::pipeline {

namespace {

constexpr std::size_t kMaxColumnsOnStack = 128;

// Route "both": the steps that are multiples of everySteps (negative steps too).
bool takes_realtime(const RealtimeConfig& realtime, int64_t step) noexcept {
  return step % realtime.every_steps == 0;
}

}  // namespace

Status FrameAdmission::admit(const char* stream_c_name, int64_t step, double time,
                             const simingest_column* columns, std::size_t ncolumns, bool nowait,
                             std::string& message) noexcept {
  int64_t started_ns = 0;
  try {
    if (closed_.load(std::memory_order_acquire)) {
      message = "the ingestor is closed";
      return Status::closed;
    }
    if (failure_.failed()) return failure_.get(message);

    Status status = Status::ok;
    StreamState* const stream = find_stream(stream_c_name, status, message);
    if (stream == nullptr) return status;
    // Timed from here for the `validate` stage: a realtime-only frame never
    // reaches it, and a clock read was a sixth of its cost (a VM's clock).
    if (stream->config.route != StreamRoute::realtime) started_ns = monotonic_ns();
    double time_partition = 0;
    if ((status = check_time(*stream, columns, ncolumns, time, time_partition, message)) != Status::ok)
      return status;

    const std::size_t ndeclared = stream->config.columns.size();
    int32_t stack_slots[kMaxColumnsOnStack];
    std::vector<int32_t> heap_slots;
    FrameShape shape;
    shape.slot = stack_slots;
    if (ndeclared > kMaxColumnsOnStack) {
      heap_slots.resize(ndeclared);
      shape.slot = heap_slots.data();
    }
    if ((status = match_columns(*stream, columns, ncolumns, shape, message)) != Status::ok) return status;
    // The router: a realtime-only stream never enters the batch pipeline.
    if (stream->config.route == StreamRoute::realtime)
      return admit_realtime(*stream, step, time, columns, shape, true, message);

    // After resumeFromStep, a re-run frame the dataset already holds (this
    // stream has a frame at a later or equal step) is accepted and skipped.
    if (stream->skip_resumed && step <= stream->skip_resumed_through) {
      if ((status = refuse_non_finite(*stream, columns, shape, message)) != Status::ok) return status;
      stream->counters.count_skipped_at_admission(shape.bytes_in);
      return Status::ok;
    }

    FrameCharge charge;
    if ((status = charge_budget(*stream, columns, shape, nowait, charge, message)) != Status::ok || !charge.held)
      return status;
    Frame* frame = nullptr;
    if ((status = copy_and_scan(*stream, columns, shape, charge, frame, message)) != Status::ok) return status;

    frame->kind = Frame::Kind::data;
    frame->stream = stream->index;
    frame->step = frame->step_min = frame->step_max = step;
    frame->time = frame->time_min = frame->time_max = time;
    frame->rows = shape.rows;
    frame->bytes_in = shape.bytes_in;
    frame->buffer_charge = charge.buffer.capacity;
    frame->encode_reserve = charge.reserve;
    frame->buffer = charge.buffer;
    frame->ncolumns = static_cast<uint32_t>(ndeclared);
    frame->partition = partition_of(*stream, step, time_partition);

    accept(*stream, frame);
    stage_validate_.record(monotonic_ns() - started_ns);
    if (stream->config.route == StreamRoute::both && takes_realtime(stream->config.realtime, step))
      return admit_realtime(*stream, step, time, columns, shape, false, message);
    return Status::ok;
  } catch (const std::bad_alloc&) {
    message = "out of memory";
    return Status::out_of_memory;
  } catch (const std::exception& e) {
    message = std::string("internal error: ") + e.what();
    return Status::internal;
  }
}

Status FrameAdmission::admit_realtime(StreamState& stream, int64_t step, double time,
                                      const simingest_column* columns, const FrameShape& shape, bool scan,
                                      std::string& message) {
  Status status = Status::ok;
  if (scan && (status = refuse_non_finite(stream, columns, shape, message)) != Status::ok) return status;
  const auto slot = static_cast<uint32_t>(stream.realtime_slot);
  uint64_t ticket = 0;
  {
    RealtimeLog::Appender appender(realtime_, slot);
    try {
      encode_avro_record(appender.block(), stream, step, time, columns, shape);
    } catch (...) {
      appender.abandon();
      throw;
    }
    ticket = appender.commit(status, message);
  }
  if (status != Status::ok) return status;
  // Subscribers see the frame once it is in the log, before its fsync.
  subscriptions_.publish(stream, step, time, columns, shape);
  if (realtime_.durability() == Durability::ack_after_fsync) return realtime_.wait_durable(slot, ticket, message);
  return Status::ok;
}

StreamState* FrameAdmission::find_stream(const char* stream_c_name, Status& status, std::string& message) {
  StreamState* const stream = lookup_stream(stream_index_, stream_c_name, status, message);
  if (stream == nullptr) unattributed_.frames_rejected.fetch_add(1, std::memory_order_relaxed);
  return stream;
}

// Charges the budget, as the backpressure policy says. A cached buffer is
// charged already (the cache counts in the budget): then only the
// reservation for the encoded pages is new.
Status FrameAdmission::charge_budget(StreamState& stream, const simingest_column* columns, const FrameShape& shape,
                                   bool nowait, FrameCharge& charge, std::string& message) {
  const std::size_t ndeclared = stream.config.columns.size();
  charge.buffer_bytes = frame_header_bytes(ndeclared) + shape.padded_bytes;
  // Scalars are charged as the rows they expand to (rows < 2^40, a row < 2^20
  // bytes: no overflow), so a scalar-only frame on a huge grid is too large.
  charge.reserve = encode_reserve_bytes(shape.array_bytes + shape.scalar_width * shape.rows, shape.rows,
                                        ndeclared, config_.page_bytes);
  if (!stream.cells.empty())  // the `cell` column's pages
    charge.reserve += encode_reserve_bytes(shape.rows * sizeof(int64_t), shape.rows, 1, config_.page_bytes);
  if (stream.bloom_columns > 0)
    charge.reserve += static_cast<uint64_t>(std::ceil(stream.bloom_bytes_per_row * static_cast<double>(shape.rows))) +
                      32ull * stream.bloom_columns;
  const uint64_t total = BufferPool::capacity_for(charge.buffer_bytes) + charge.reserve;
  if (total > budget_.limit())
    return reject(stream, Status::frame_too_large,
                  stream_prefix(stream) + "the frame needs " + mib(total) +
                      " of the memory budget but memoryLimit is " + mib(budget_.limit()),
                            message);
  charge.node = queues_.current_node();
  charge.buffer = pools_.take(charge.buffer_bytes, charge.node);
  charge.need = charge.reserve + (charge.buffer.data ? 0 : BufferPool::capacity_for(charge.buffer_bytes));
  charge.held = true;
  if (budget_.try_acquire(charge.need) || make_room(charge.need)) return Status::ok;

  relieve_memory_pressure();
  charge.held = false;
  const auto& policy = config_.backpressure;
  Status status = Status::ok;
  // A loaned frame (columns NULL) has no values yet to scan, and nothing to
  // drop: its host is about to write into the buffer, so "drop" refuses it
  // like "error" (ADR 0022).
  if (policy.policy != BackpressurePolicy::block && columns != nullptr) {
    if ((status = refuse_non_finite(stream, columns, shape, message)) != Status::ok) {
      recycle(charge.buffer);
      return status;
    }
  }
  if (policy.policy == BackpressurePolicy::drop && columns != nullptr) {
    recycle(charge.buffer);
    stream.counters.count_dropped_at_admission(shape.bytes_in);
    return Status::ok;
  }
  const std::string full = stream_prefix(stream) + "memory budget full (" + mib(budget_.used()) +
                           " of " + mib(budget_.limit()) + " in use, the frame needs " +
                           mib(total) + ")";
  if (policy.policy != BackpressurePolicy::block) {
    recycle(charge.buffer);
    return reject(stream, Status::backpressure, full, message);
  }
  if (nowait) {
    last_would_block_charge_.store(total, std::memory_order_relaxed);  // see room_estimate()
    recycle(charge.buffer);
    message = full;
    return Status::would_block;
  }
  if ((status = wait_for_room(stream, columns, shape, charge, full, message)) != Status::ok) return status;
  charge.held = true;
  return Status::ok;
}

// Idle cached buffers are the first thing to give up for a frame.
bool FrameAdmission::make_room(uint64_t need) noexcept {
  const std::size_t freed = pools_.evict(need);
  if (freed) budget_.release(freed);
  return budget_.try_acquire(need);
}

bool FrameAdmission::take_cached_and_charge(FrameCharge& charge) noexcept {
  if (charge.buffer.data == nullptr) {
    charge.buffer = pools_.take(charge.buffer_bytes, charge.node);
    if (charge.buffer.data != nullptr) charge.need = charge.reserve;
  }
  return budget_.try_acquire(charge.need) || make_room(charge.need);
}

// Waits in slices, re-checking that something will free memory: the row
// groups holding it may need a seal marker to move on. On failure the
// charge's buffer is given back.
Status FrameAdmission::wait_for_room(StreamState& stream, const simingest_column* columns, const FrameShape& shape,
                                   FrameCharge& charge, const std::string& full, std::string& message) {
  const auto& policy = config_.backpressure;
  constexpr int64_t kSliceMs = 20;
  const int64_t deadline_ns = policy.timeout_ms < 0 ? -1 : monotonic_ns() + policy.timeout_ms * 1000000;
  for (;;) {
    int64_t slice = kSliceMs;
    if (deadline_ns >= 0) slice = std::min<int64_t>(slice, std::max<int64_t>(0, (deadline_ns - monotonic_ns()) / 1000000));
    switch (budget_.acquire(charge.need, slice)) {
      case MemoryBudget::WaitResult::acquired: return Status::ok;
      case MemoryBudget::WaitResult::offered:
        if (take_cached_and_charge(charge)) return Status::ok;
        break;
      case MemoryBudget::WaitResult::timed_out:
        if (take_cached_and_charge(charge)) return Status::ok;
        if (deadline_ns >= 0 && monotonic_ns() >= deadline_ns) {
          recycle(charge.buffer);
          if (columns != nullptr)
            if (Status refused = refuse_non_finite(stream, columns, shape, message); refused != Status::ok)
              return refused;
          return reject(stream, Status::backpressure,
                                  full + " after waiting " + std::to_string(policy.timeout_ms) + " ms", message);
        }
        relieve_memory_pressure();
        break;
      case MemoryBudget::WaitResult::closed:
        recycle(charge.buffer);
        message = "the ingestor is closed";
        return Status::closed;
    }
  }
}

// Lays out the charged buffer (header, column table, arrays) and copies the
// arrays into it; a `nonFinite: "reject"` column is scanned in the same pass.
// A refused frame gives its buffer and reservation back.
Status FrameAdmission::copy_and_scan(StreamState& stream, const simingest_column* columns, const FrameShape& shape,
                                   FrameCharge& charge, Frame*& frame, std::string& message) {
  if (Status status = ensure_buffer(stream, charge, message); status != Status::ok) return status;
  Buffer& buffer = charge.buffer;
  const auto& declared = stream.config.columns;
  const std::size_t ndeclared = declared.size();
  frame = new (buffer.data) Frame();
  frame->columns = reinterpret_cast<FrameColumn*>(buffer.data + sizeof(Frame));
  unsigned char* cursor = buffer.data + frame_header_bytes(ndeclared);
  for (std::size_t j = 0; j < ndeclared; ++j) {
    const simingest_column& given = columns[shape.slot[j]];
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
      if (scan_non_finite)
        copied_non_finite = kernels::copy_and_find_non_finite(column.dtype, cursor, given.data, count);
      else if (count != 0) std::memcpy(cursor, given.data, count * width);
      out->data = cursor;
      cursor += (count * width + 63) / 64 * 64;
    }
    if (scan_non_finite) {
      const auto bad = is_scalar ? kernels::find_non_finite(column.dtype, out->data, count) : copied_non_finite;
      if (bad < count) {
        // The text reads the value from the buffer: build it before recycling.
        std::string text = non_finite_text(stream, j, out->data, bad, is_scalar);
        recycle(buffer);  // its capacity stays charged only if cached
        budget_.release(charge.reserve);
        frame = nullptr;
        return reject(stream, Status::non_finite, std::move(text), message);
      }
    }
  }
  return Status::ok;
}

Status FrameAdmission::ensure_buffer(StreamState& stream, FrameCharge& charge, std::string& message) {
  if (charge.buffer.data != nullptr) return Status::ok;
  try {
    charge.buffer = pools_.allocate(charge.buffer_bytes, charge.node);
  } catch (const std::bad_alloc&) {
    budget_.release(charge.need);
    message = stream_prefix(stream) + "out of memory allocating " + mib(charge.buffer_bytes);
    return Status::out_of_memory;
  }
  return Status::ok;
}

void FrameAdmission::accept(StreamState& stream, Frame* frame) noexcept {
  stream.counters.frames_accepted.fetch_add(1, std::memory_order_relaxed);
  stream.counters.bytes_in.fetch_add(frame->bytes_in, std::memory_order_relaxed);
  frame->seq = stream.next_seq.fetch_add(1, std::memory_order_acq_rel);
  enqueue(frame);
  commit_timer_.frame_enqueued(stream);  // after the seq is taken: see its invariant
}

void FrameAdmission::enqueue(Frame* frame) noexcept {
  frame->enqueued_ns = monotonic_ns();
  queues_.push(frame);
}

void FrameAdmission::enqueue_marker(StreamState& stream, Frame::Kind kind, FlushTicket* ticket,
                                    QueryTicket* query) {
  // Markers are tiny and rare: allocated outside the budget, freed, never cached.
  Buffer buffer = pools_.allocate(sizeof(Frame), queues_.current_node());
  Frame* marker = new (buffer.data) Frame();
  marker->kind = kind;
  marker->stream = stream.index;
  marker->buffer = buffer;
  marker->ticket = ticket;
  marker->query = query;
  marker->seq = stream.next_seq.fetch_add(1, std::memory_order_acq_rel);
  enqueue(marker);
}

void FrameAdmission::recycle(Buffer buffer) noexcept {
  if (buffer.data == nullptr) return;
  if (!budget_.has_waiters()) {
    if (pools_.put(buffer)) return;
  } else if (budget_.only_blocked_waiters() && pools_.put(buffer)) {
    // Hosts wait in acquire() for room (backpressure "block", the budget full
    // of frames in flight): hand the buffer, still charged and with its pages
    // faulted in, to the one whose frame it fits. Freeing it instead made
    // that host allocate a fresh one and fault in every page of it on its own
    // thread, frame after frame (the kernel zeroing pages was ~22 % of a
    // saturated run's CPU). A host it does not fit evicts it at once
    // (take_cached_and_charge), which is the free below, one wake-up later.
    budget_.offer();
    return;
  }
  // A host waiting for a room notification (an event loop) needs the budget
  // more than the next frame needs a warm buffer.
  BufferPool::free(buffer);
  budget_.release(buffer.capacity);
}

void FrameAdmission::relieve_memory_pressure() noexcept {
  if (row_groups_in_flight_.load(std::memory_order_acquire) > 0) return;  // they will free memory
  if (relief_pending_.exchange(true, std::memory_order_acq_rel)) return;  // markers already on their way
  relief_remaining_.store(static_cast<uint32_t>(streams_.size()), std::memory_order_release);
  for (auto& stream : streams_) {
    try {
      enqueue_marker(*stream, Frame::Kind::seal, nullptr);
    } catch (...) {
      // Out of memory for a marker: count it as processed; a later wait retries.
      seal_marker_done();
    }
  }
}

void FrameAdmission::notify_room(std::size_t bytes, simingest_room_callback callback, void* user) noexcept {
  if (closed_.load(std::memory_order_acquire)) {
    callback(user, SIMINGEST_ERR_CLOSED);
    return;
  }
  try {
    budget_.notify_when_room(room_estimate(bytes), callback, user, config_.backpressure.timeout_ms);
    // Cached buffers count in the budget. A frame that finished after the
    // caller's ingest evicted the cache, but before this request was
    // registered, saw no waiter and was cached: nothing else gives that
    // memory back. Evict now; a buffer recycled from here on sees the waiter.
    if (const std::size_t freed = pools_.evict(SIZE_MAX)) budget_.release(freed);
    relieve_memory_pressure();
  } catch (...) {
    // Registering failed (out of memory): tell the host to try again now.
    callback(user, SIMINGEST_OK);
  }
}

// An estimate below what charge_budget() then asks sent an event-loop host
// (Node) round and round: told "room" at once, refused with WOULD_BLOCK,
// asking again, until a frame left the budget (475 k round trips for 240
// TGV 2D frames, the JavaScript thread burning a core the encoders needed;
// issue 15 goal 6). So the buffer is counted as BufferPool allocates it
// (whole 2 MiB pages from 2 MiB on), and the exact charge of the last frame
// refused with WOULD_BLOCK, which is the frame a host asks about next,
// covers what the byte count cannot tell (rows, scalars, cell and bloom columns).
uint64_t FrameAdmission::room_estimate(std::size_t array_bytes) noexcept {
  std::size_t widest = 0;
  for (const auto& stream : streams_) widest = std::max(widest, stream->config.columns.size());
  const uint64_t padded = array_bytes + 64 * widest;
  const uint64_t estimate = BufferPool::capacity_for(frame_header_bytes(widest) + padded) +
                            encode_reserve_bytes(padded, 0, widest, config_.page_bytes);
  const uint64_t refused = last_would_block_charge_.exchange(0, std::memory_order_relaxed);
  return std::min<uint64_t>(std::max(estimate, refused), budget_.limit());
}

}  // namespace simingest::pipeline
