// The ledger of loaned frames: their states, the open list that closing
// reclaims, and the counters of stats().loans. The buffer work is
// FrameAdmission's (frame_loan_admission.cpp).
#include "pipeline/frame_loan.hpp"

#include "core/names.hpp"

namespace simingest::pipeline {

std::string FrameLoan::prefix() const {
  return "loaned frame (stream " + quote_name(stream_name) + ", step " + std::to_string(step) + "): ";
}

Status LoanLedger::refuse_ended(const FrameLoan& loan, const char* action, std::string& message) {
  using State = FrameLoan::State;
  switch (loan.state) {
    case State::idle: message = std::string("cannot ") + action + " a loaned frame that was never begun"; break;
    case State::committed: message = loan.prefix() + "cannot " + action + ": it was already committed"; break;
    case State::aborted: message = loan.prefix() + "cannot " + action + ": it was already aborted"; break;
    case State::refused:
      message = loan.prefix() + "cannot " + action + ": its commit was refused and its buffer given back";
      break;
    case State::reclaimed:
      message = loan.prefix() + "cannot " + action + ": its ingestor was closed, which reclaimed the buffer";
      return Status::closed;
    case State::committing:
      message = loan.prefix() + "cannot " + action + ": another thread is committing it";
      break;
    case State::open: case State::freed: message = loan.prefix() + "internal error: not ended"; return Status::internal;
  }
  return Status::invalid_argument;
}

Status LoanLedger::begin(const std::shared_ptr<LoanLedger>& self, const char* stream, int64_t step, double time,
                         uint64_t rows, FrameLoan& loan, std::string& message) noexcept {
  LoanLedger& ledger = *self;
  FrameAdmission* admission = nullptr;
  {
    std::lock_guard<std::mutex> lock(ledger.mutex_);
    if (loan.state == FrameLoan::State::open) {
      message = loan.prefix() + "still open: commit or abort it before beginning another with its handle";
      return Status::invalid_argument;
    }
    admission = ledger.admission_;
  }
  if (admission == nullptr) {
    message = "the ingestor is closed";
    return Status::closed;
  }
  // Waits for room without the lock: other loans commit meanwhile.
  const Status status = admission->begin_loan(stream, step, time, rows, loan, message);
  if (status != Status::ok) return status;
  std::lock_guard<std::mutex> lock(ledger.mutex_);
  if (loan.ledger != self) loan.ledger = self;  // no reference-count traffic on a reused handle
  loan.state = FrameLoan::State::open;
  loan.prev = nullptr;
  loan.next = ledger.open_;
  if (ledger.open_ != nullptr) ledger.open_->prev = &loan;
  ledger.open_ = &loan;
  ++ledger.counters_.begun;
  ++ledger.counters_.open;
  return Status::ok;
}

void LoanLedger::unlink_locked(FrameLoan& loan) noexcept {
  if (loan.prev != nullptr) loan.prev->next = loan.next;
  else open_ = loan.next;
  if (loan.next != nullptr) loan.next->prev = loan.prev;
  loan.prev = loan.next = nullptr;
}

void LoanLedger::end_locked(FrameLoan& loan, FrameLoan::State state) noexcept {
  unlink_locked(loan);
  count_locked(loan, state);
}

void LoanLedger::count_locked(FrameLoan& loan, FrameLoan::State state) noexcept {
  loan.state = state;
  --counters_.open;
  switch (state) {
    case FrameLoan::State::committed: ++counters_.committed; break;
    case FrameLoan::State::aborted: ++counters_.aborted; break;
    case FrameLoan::State::refused: ++counters_.refused; break;
    default: ++counters_.leaked; break;  // reclaimed at close, or its handle freed while open
  }
}

Status LoanLedger::commit(FrameLoan& loan, std::string& message) noexcept {
  if (!loan.ledger) return refuse_ended(loan, "commit", message);
  LoanLedger& ledger = *loan.ledger;
  FrameAdmission* admission = nullptr;
  {
    // Off the open list before the buffer moves on: a close reclaiming
    // meanwhile (a race simingest.h forbids) can then not give it back twice.
    std::lock_guard<std::mutex> lock(ledger.mutex_);
    if (loan.state != FrameLoan::State::open) return refuse_ended(loan, "commit", message);
    admission = ledger.admission_;
    ledger.unlink_locked(loan);
    loan.state = FrameLoan::State::committing;
  }
  const Status status = admission->commit_loan(loan, message);
  std::lock_guard<std::mutex> lock(ledger.mutex_);
  ledger.count_locked(loan, status == Status::ok ? FrameLoan::State::committed : FrameLoan::State::refused);
  if (status != Status::ok) message = loan.prefix() + message;
  return status;
}

Status LoanLedger::abort(FrameLoan& loan, std::string& message) noexcept {
  if (!loan.ledger) return refuse_ended(loan, "abort", message);
  LoanLedger& ledger = *loan.ledger;
  std::lock_guard<std::mutex> lock(ledger.mutex_);
  if (loan.state != FrameLoan::State::open) return refuse_ended(loan, "abort", message);
  ledger.admission_->give_back_loan(loan);
  ledger.end_locked(loan, FrameLoan::State::aborted);
  return Status::ok;
}

void LoanLedger::forget(FrameLoan& loan) noexcept {
  if (!loan.ledger) return;
  LoanLedger& ledger = *loan.ledger;
  std::lock_guard<std::mutex> lock(ledger.mutex_);
  if (loan.state != FrameLoan::State::open) return;
  ledger.admission_->give_back_loan(loan);
  ledger.end_locked(loan, FrameLoan::State::freed);
}

void LoanLedger::reclaim_all() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  while (open_ != nullptr) {
    FrameLoan& loan = *open_;
    admission_->give_back_loan(loan);
    loan.stream = nullptr;
    end_locked(loan, FrameLoan::State::reclaimed);
  }
  admission_ = nullptr;
}

LoanCounters LoanLedger::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

}  // namespace simingest::pipeline
