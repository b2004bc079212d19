// The C ABI of loaned frames (simingest.h "Loaned frames"): argument checks
// and error records around pipeline::LoanLedger. A handle embeds its loan
// record and is reused by the next begin, so a loan allocates nothing once
// the handle exists.
#include <cstring>
#include <memory>
#include <string>

#include "capi_support.hpp"
#include "core/names.hpp"
#include "pipeline/frame_loan.hpp"
#include "pipeline/stream_state.hpp"
#include "simingest.h"

struct simingest_frame {
  simingest::pipeline::FrameLoan loan;
  // The ingestor that lent the frame, as the key of last_error only (never
  // dereferenced: it may be freed); NULL once the loan was reclaimed.
  const simingest_ingestor* ingestor = nullptr;
};

namespace {

using simingest::Status;
using simingest::capi::fail;
using simingest::capi::succeed;
using simingest::pipeline::FrameLoan;
using simingest::pipeline::LoanLedger;

const simingest_ingestor* error_key(const simingest_frame* frame) {
  return frame->loan.state == FrameLoan::State::reclaimed ? nullptr : frame->ingestor;
}

// The open frame's column `index`, or a failure recorded for it.
simingest_status column_of(simingest_frame* frame, std::size_t index, void** out_data, std::size_t* out_length) {
  const FrameLoan& loan = frame->loan;
  if (loan.state != FrameLoan::State::open) {
    std::string message = loan.prefix() + "its columns are gone: it was ";
    switch (loan.state) {
      case FrameLoan::State::committed: message += "committed"; break;
      case FrameLoan::State::aborted: message += "aborted"; break;
      case FrameLoan::State::reclaimed: message += "reclaimed when its ingestor closed"; break;
      case FrameLoan::State::refused: message += "refused at commit"; break;
      case FrameLoan::State::committing: message += "being committed"; break;
      default: message = "the frame was never begun"; break;
    }
    return fail(error_key(frame), loan.state == FrameLoan::State::reclaimed ? Status::closed : Status::invalid_argument,
                std::move(message));
  }
  if (out_data != nullptr) *out_data = const_cast<unsigned char*>(loan.frame->columns[index].data);
  if (out_length != nullptr) *out_length = static_cast<std::size_t>(loan.frame->rows);
  return succeed();
}

}  // namespace

extern "C" {

simingest_status simingest_frame_begin_rows(simingest_ingestor* ingestor, const char* stream, int64_t step,
                                            double time, size_t rows, simingest_frame** frame) {
  if (const simingest_status refused = simingest::capi::check_usable(ingestor)) return refused;
  if (frame == nullptr) return fail(ingestor, Status::invalid_argument, "frame is NULL");
  return simingest::capi::guarded(ingestor, [&] {
    std::unique_ptr<simingest_frame> fresh;
    simingest_frame* handle = *frame;
    if (handle == nullptr) handle = (fresh = std::make_unique<simingest_frame>()).get();
    std::string message;
    const Status status = LoanLedger::begin(ingestor->engine->loans(), stream, step, time, rows, handle->loan, message);
    if (status != Status::ok) return fail(ingestor, status, std::move(message));
    handle->ingestor = ingestor;
    fresh.release();
    *frame = handle;
    return succeed();
  });
}

simingest_status simingest_frame_begin(simingest_ingestor* ingestor, const char* stream, int64_t step, double time,
                                       simingest_frame** frame) {
  return simingest_frame_begin_rows(ingestor, stream, step, time, 0, frame);
}

simingest_status simingest_frame_column_count(const simingest_frame* frame, size_t* out_count) {
  if (frame == nullptr) return fail(nullptr, Status::invalid_argument, "frame is NULL");
  if (out_count == nullptr) return fail(error_key(frame), Status::invalid_argument, "out_count is NULL");
  if (frame->loan.frame == nullptr)
    return fail(error_key(frame), Status::invalid_argument, frame->loan.prefix() + "the frame is not open");
  *out_count = frame->loan.frame->ncolumns;
  return succeed();
}

simingest_status simingest_frame_column(simingest_frame* frame, const char* name, void** out_data,
                                        size_t* out_length) {
  if (frame == nullptr) return fail(nullptr, Status::invalid_argument, "frame is NULL");
  if (name == nullptr) return fail(error_key(frame), Status::invalid_argument, "name is NULL");
  if (out_data == nullptr || out_length == nullptr)
    return fail(error_key(frame), Status::invalid_argument, "out_data or out_length is NULL");
  if (frame->loan.state != FrameLoan::State::open) return column_of(frame, 0, out_data, out_length);
  const auto& index = frame->loan.stream->column_index;
  const std::string_view wanted(name, strnlen(name, 4 * simingest::kMaxNameLength));
  const auto found = index.find(wanted);
  if (found == index.end())
    return fail(error_key(frame), Status::unknown_column,
                frame->loan.prefix() + "unknown column " + simingest::quote_name(wanted));
  return column_of(frame, found->second, out_data, out_length);
}

simingest_status simingest_frame_column_at(simingest_frame* frame, size_t index, const char** out_name,
                                           simingest_dtype* out_dtype, void** out_data, size_t* out_length) {
  if (frame == nullptr) return fail(nullptr, Status::invalid_argument, "frame is NULL");
  if (frame->loan.state == FrameLoan::State::open) {
    const auto& declared = frame->loan.stream->config.columns;
    if (index >= declared.size())
      return fail(error_key(frame), Status::invalid_argument,
                  frame->loan.prefix() + "column index " + std::to_string(index) + " is past its " +
                      std::to_string(declared.size()) + " columns");
    if (out_name != nullptr) *out_name = declared[index].name.c_str();
    if (out_dtype != nullptr) *out_dtype = static_cast<simingest_dtype>(declared[index].dtype);
  }
  return column_of(frame, index, out_data, out_length);
}

simingest_status simingest_frame_commit(simingest_frame* frame) {
  if (frame == nullptr) return fail(nullptr, Status::invalid_argument, "frame is NULL");
  std::string message;
  const Status status = LoanLedger::commit(frame->loan, message);
  if (status == Status::ok) return succeed();
  return fail(error_key(frame), status, std::move(message));
}

simingest_status simingest_frame_abort(simingest_frame* frame) {
  if (frame == nullptr) return fail(nullptr, Status::invalid_argument, "frame is NULL");
  std::string message;
  const Status status = LoanLedger::abort(frame->loan, message);
  if (status == Status::ok) return succeed();
  return fail(error_key(frame), status, std::move(message));
}

void simingest_frame_free(simingest_frame** frame) {
  if (frame == nullptr || *frame == nullptr) return;
  LoanLedger::forget((*frame)->loan);
  delete *frame;
  *frame = nullptr;
}

}  // extern "C"
