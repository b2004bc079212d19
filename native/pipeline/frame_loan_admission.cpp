// Admission of loaned frames (frame_loan.hpp, ADR 0022): the steps of
// admit() in frame_admission.cpp split around the host's writes. begin runs
// find the stream, check time, charge the budget and lays the buffer out
// exactly as copy_and_scan would, but leaves the arrays for the host to
// write; commit runs the non-finite scan in place and accept(). So a
// committed loan is the same Frame in the same kind of buffer as an ingested
// frame, and the pipeline past admission cannot tell them apart.
#include <cstring>
#include <new>

#include "kernels/non_finite.hpp"
#include "pipeline/frame_admission.hpp"
#include "pipeline/frame_loan.hpp"
#include "pipeline/loan_redzone.hpp"
#include "pipeline/stream_state.hpp"

namespace simingest::pipeline {

namespace {

// Rows a column may have at most, as in frame_validation.cpp.
constexpr uint64_t kMaxRows = uint64_t{1} << 40;

// A column's share of the buffer: its values, rounded up to 64 bytes, plus
// the red zone of an ASan build (loan_redzone.hpp).
uint64_t padded_column_bytes(uint64_t value_bytes) noexcept {
  return (value_bytes + kLoanRedzoneBytes + 63) / 64 * 64;
}

}  // namespace

Status FrameAdmission::begin_loan(const char* stream_c_name, int64_t step, double time, uint64_t rows,
                                  FrameLoan& loan, std::string& message) noexcept {
  try {
    if (closed_.load(std::memory_order_acquire)) {
      message = "the ingestor is closed";
      return Status::closed;
    }
    if (failure_.failed()) return failure_.get(message);
    Status status = Status::ok;
    StreamState* const stream = find_stream(stream_c_name, status, message);
    if (stream == nullptr) return status;
    // The realtime leg encodes from the caller's arrays while the batch copy
    // goes on; a loan has no second copy to encode from (ADR 0022).
    if (stream->config.route != StreamRoute::batch)
      return reject(*stream, Status::invalid_argument,
                    stream_prefix(*stream) + "loaned frames take the batch route only; this stream is routed " +
                        (stream->config.route == StreamRoute::realtime ? "\"realtime\"" : "\"both\"") +
                        ": use ingest()",
                    message);
    double time_partition = 0;
    if ((status = check_time(*stream, nullptr, 0, time, time_partition, message)) != Status::ok) return status;
    if (stream->grid_rows != 0) {
      if (rows == 0) rows = stream->grid_rows;
      if (rows != stream->grid_rows)
        return reject(*stream, Status::length_mismatch,
                      stream_prefix(*stream) + "a loaned frame of " + std::to_string(rows) +
                          " rows but the grid needs " + std::to_string(stream->grid_rows),
                      message);
    } else if (rows == 0 || rows > kMaxRows) {
      return reject(*stream, Status::invalid_argument,
                    stream_prefix(*stream) + (rows == 0 ? std::string("the stream has no grid: pass the row count")
                                                        : "rows " + std::to_string(rows) + " is impossible"),
                    message);
    }

    const auto& declared = stream->config.columns;
    FrameShape shape;
    shape.rows = rows;
    for (const ColumnConfig& column : declared) {
      const uint64_t bytes = rows * dtype_size(column.dtype);
      shape.array_bytes += bytes;
      shape.padded_bytes += padded_column_bytes(bytes);
    }
    shape.bytes_in = shape.array_bytes;
    FrameCharge charge;
    if ((status = charge_budget(*stream, nullptr, shape, false, charge, message)) != Status::ok) return status;
    if ((status = ensure_buffer(*stream, charge, message)) != Status::ok) return status;

    // The layout of copy_and_scan(): header, column table, 64-byte aligned arrays.
    unsigned char* const base = charge.buffer.data;
    Frame* const frame = new (base) Frame();
    frame->columns = reinterpret_cast<FrameColumn*>(base + sizeof(Frame));
    unsigned char* cursor = base + frame_header_bytes(declared.size());
    for (std::size_t j = 0; j < declared.size(); ++j) {
      FrameColumn* out = new (&frame->columns[j]) FrameColumn();
      const uint64_t bytes = rows * dtype_size(declared[j].dtype);
      out->data = cursor;
      poison_loan_gap(cursor + bytes, padded_column_bytes(bytes) - bytes);
      cursor += padded_column_bytes(bytes);
    }
    poison_loan_gap(cursor, static_cast<std::size_t>(base + charge.buffer.capacity - cursor));
    frame->kind = Frame::Kind::data;
    frame->stream = stream->index;
    // The row group index takes each frame's step and time range from these
    // (a frame of the appender spans several); a loan is one step.
    frame->step = frame->step_min = frame->step_max = step;
    frame->time = frame->time_min = frame->time_max = time;
    frame->rows = rows;
    frame->bytes_in = shape.bytes_in;
    frame->buffer_charge = charge.buffer.capacity;
    frame->encode_reserve = charge.reserve;
    frame->buffer = charge.buffer;
    frame->ncolumns = static_cast<uint32_t>(declared.size());
    frame->partition = partition_of(*stream, step, time_partition);

    loan.stream = stream;
    loan.frame = frame;
    loan.charge = charge;
    loan.array_bytes = shape.array_bytes;
    loan.time_partition = time_partition;
    loan.step = step;
    loan.stream_name = stream->config.name;  // capacity kept across loans: no allocation once warm
    return Status::ok;
  } catch (const std::bad_alloc&) {
    message = "out of memory";
    return Status::out_of_memory;
  } catch (const std::exception& e) {
    message = std::string("internal error: ") + e.what();
    return Status::internal;
  }
}

Status FrameAdmission::commit_loan(FrameLoan& loan, std::string& message) noexcept {
  StreamState& stream = *loan.stream;
  Frame* const frame = loan.frame;
  try {
    if (failure_.failed()) {
      give_back_loan(loan);
      return failure_.get(message);
    }
    const auto& declared = stream.config.columns;
    for (std::size_t j = 0; j < declared.size(); ++j) {
      const ColumnConfig& column = declared[j];
      if (column.non_finite != NonFinitePolicy::reject || !dtype_is_float(column.dtype)) continue;
      const std::size_t bad = kernels::find_non_finite(column.dtype, frame->columns[j].data, frame->rows);
      if (bad < frame->rows) {
        std::string text = non_finite_text(stream, j, frame->columns[j].data, bad, false);
        give_back_loan(loan);
        return reject(stream, Status::non_finite, std::move(text), message);
      }
    }
    // The pipeline may reuse every byte of the buffer from here on.
    unpoison_loan_buffer(loan.charge.buffer.data, loan.charge.buffer.capacity);
    if (stream.skip_resumed && frame->step <= stream.skip_resumed_through) {
      stream.counters.count_skipped_at_admission(frame->bytes_in);
      give_back_loan(loan);
      return Status::ok;
    }
    accept(stream, frame);
    loan.frame = nullptr;
    loan.charge = FrameCharge{};
    return Status::ok;
  } catch (const std::bad_alloc&) {
    give_back_loan(loan);
    message = "out of memory";
    return Status::out_of_memory;
  } catch (const std::exception& e) {
    give_back_loan(loan);
    message = std::string("internal error: ") + e.what();
    return Status::internal;
  }
}

void FrameAdmission::give_back_loan(FrameLoan& loan) noexcept {
  if (loan.charge.buffer.data == nullptr) return;
  unpoison_loan_buffer(loan.charge.buffer.data, loan.charge.buffer.capacity);
  recycle(loan.charge.buffer);  // its capacity stays charged only if cached
  budget_.release(loan.charge.reserve);
  loan.frame = nullptr;
  loan.charge = FrameCharge{};
}

}  // namespace simingest::pipeline
