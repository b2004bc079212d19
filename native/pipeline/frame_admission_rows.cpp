// Admission of a RowAppender's rows (ADR 0021): one frame whose step and time
// are arrays, copied behind its columns in the same pool buffer. The checks a
// frame gets row by row (time, partition, non-finite values, resume skip) the
// appender made as each row came; what is left is admit()'s second half.
#include <cstring>
#include <new>
#include <vector>

#include "pipeline/frame_admission.hpp"
#include "pipeline/stream_state.hpp"

namespace simingest::pipeline {

namespace {

constexpr std::size_t kMaxColumnsOnStack = 128;
constexpr uint64_t padded64(uint64_t bytes) noexcept { return (bytes + 63) / 64 * 64; }

}  // namespace

Status FrameAdmission::admit_rows(StreamState& stream, const RowBatch& batch, std::string& message) noexcept {
  try {
    if (closed_.load(std::memory_order_acquire)) {
      message = "the ingestor is closed";
      return Status::closed;
    }
    if (failure_.failed()) return failure_.get(message);
    const int64_t started_ns = monotonic_ns();
    const std::size_t ndeclared = stream.config.columns.size();
    int32_t stack_slots[kMaxColumnsOnStack];
    std::vector<int32_t> heap_slots;
    FrameShape shape;
    shape.slot = stack_slots;
    if (ndeclared > kMaxColumnsOnStack) {
      heap_slots.resize(ndeclared);
      shape.slot = heap_slots.data();
    }
    Status status = match_columns(stream, batch.columns, ndeclared, shape, message);
    if (status != Status::ok) return status;
    // Step and time are arrays here: in the buffer behind the columns, and
    // encoded as values (charged like the columns' arrays).
    const uint64_t pair_bytes = 2 * padded64(batch.rows * 8);
    const uint64_t columns_padded = shape.padded_bytes;
    shape.padded_bytes += pair_bytes;
    shape.array_bytes += 16 * batch.rows;

    FrameCharge charge;
    if ((status = charge_budget(stream, batch.columns, shape, false, charge, message)) != Status::ok || !charge.held)
      return status;
    Frame* frame = nullptr;
    if ((status = copy_and_scan(stream, batch.columns, shape, charge, frame, message)) != Status::ok) return status;

    unsigned char* pair = charge.buffer.data + frame_header_bytes(ndeclared) + columns_padded;
    auto* steps = reinterpret_cast<int64_t*>(pair);
    auto* times = reinterpret_cast<double*>(pair + padded64(batch.rows * 8));
    std::memcpy(steps, batch.steps, batch.rows * 8);
    std::memcpy(times, batch.times, batch.rows * 8);

    frame->kind = Frame::Kind::data;
    frame->stream = stream.index;
    frame->step = batch.steps[0];
    frame->time = batch.times[0];
    frame->row_steps = steps;
    frame->row_times = times;
    frame->step_min = batch.step_min;
    frame->step_max = batch.step_max;
    frame->time_min = batch.time_min;
    frame->time_max = batch.time_max;
    frame->rows = batch.rows;
    frame->bytes_in = shape.bytes_in;  // values only, as for every frame
    frame->buffer_charge = charge.buffer.capacity;
    frame->encode_reserve = charge.reserve;
    frame->buffer = charge.buffer;
    frame->ncolumns = static_cast<uint32_t>(ndeclared);
    frame->partition = batch.partition;

    // Each appended row is a frame of the stream's counters (ADR 0021).
    stream.counters.frames_accepted.fetch_add(batch.rows, std::memory_order_relaxed);
    stream.counters.bytes_in.fetch_add(frame->bytes_in, std::memory_order_relaxed);
    frame->seq = stream.next_seq.fetch_add(1, std::memory_order_acq_rel);
    enqueue(frame);
    commit_timer_.frame_enqueued(stream);  // after the seq is taken: see its invariant
    stage_validate_.record(monotonic_ns() - started_ns);
    return Status::ok;
  } catch (const std::bad_alloc&) {
    message = "out of memory";
    return Status::out_of_memory;
  } catch (const std::exception& e) {
    message = std::string("internal error: ") + e.what();
    return Status::internal;
  }
}

}  // namespace simingest::pipeline
