// Loaned frames (zero-copy ingest, ADR 0022): the engine hands out the pool
// buffer a frame will travel in, the host writes its columns into it, and
// commit enqueues that very buffer, the copy of ingest() left out.
//
// FrameLoan is one loan's record; the host's handle embeds it (capi/
// frame_loan_capi.cpp) and reuses it for the next loan, so a loan allocates
// nothing in steady state. LoanLedger tracks every open loan of one engine
// and outlives it (handles share it), so a handle used after its ingestor
// closed finds "reclaimed" instead of freed memory.
//
// Invariant: a loan is open from a successful begin until exactly one of
// commit, abort, forget (the handle freed) or reclaim_all (the ingestor
// closes); while open its buffer and encode reservation are charged to the
// budget and it is linked in the ledger's open list. Ending it moves the
// buffer on exactly once: enqueued (commit) or recycled (everything else,
// and a commit the engine refuses).
// Locks: the ledger's mutex guards every loan's `state`, the open list and
// `admission_`; begin's wait for room and commit's enqueue run without it.
// A loan's own calls must not race with each other or with closing its
// ingestor (simingest.h: like every call on a handle being closed).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.hpp"
#include "pipeline/frame.hpp"
#include "pipeline/frame_admission.hpp"

namespace simingest::pipeline {

struct StreamState;
class LoanLedger;

struct FrameLoan {
  // idle: never begun. refused: commit found a bad value (or the ingestor
  // failed) and gave the buffer back. reclaimed: its ingestor closed first.
  enum class State : uint8_t { idle, open, committing, committed, aborted, refused, reclaimed, freed };
  State state = State::idle;
  std::shared_ptr<LoanLedger> ledger;  // set by the first begin
  StreamState* stream = nullptr;       // valid while open
  Frame* frame = nullptr;              // in the loaned buffer, while open
  FrameCharge charge;
  uint64_t array_bytes = 0;
  double time_partition = 0;
  // For messages after the loan ended (the stream may be gone with its engine).
  std::string stream_name;
  int64_t step = 0;
  FrameLoan* prev = nullptr;  // the ledger's open list, while open
  FrameLoan* next = nullptr;

  // "loaned frame (stream \"fields\", step 3): ", the start of every message about it.
  std::string prefix() const;
};

// stats().loans (docs/STATS.md).
struct LoanCounters {
  uint64_t begun = 0, committed = 0, aborted = 0, refused = 0, leaked = 0, open = 0;
};

class LoanLedger {
 public:
  explicit LoanLedger(FrameAdmission& admission) noexcept : admission_(&admission) {}
  LoanLedger(const LoanLedger&) = delete;
  LoanLedger& operator=(const LoanLedger&) = delete;

  // Begins a loan into `loan`, which must not be open. `rows` 0 takes the
  // stream's grid. `self` is the shared_ptr owning this ledger (kept by the
  // loan). Never throws.
  static Status begin(const std::shared_ptr<LoanLedger>& self, const char* stream, int64_t step, double time,
                      uint64_t rows, FrameLoan& loan, std::string& message) noexcept;
  // Each refuses a loan that is not open, naming how it ended.
  static Status commit(FrameLoan& loan, std::string& message) noexcept;
  static Status abort(FrameLoan& loan, std::string& message) noexcept;
  // The handle is going away: an open loan is given back and counted leaked.
  static void forget(FrameLoan& loan) noexcept;

  // Closing: every open loan is given back and counted leaked; begin refuses
  // from now on. Runs before the budget and the pools close.
  void reclaim_all() noexcept;
  LoanCounters counters() const;

 private:
  // The caller holds mutex_. unlink: off the open list; count: its final
  // state and counters; end: both.
  void unlink_locked(FrameLoan& loan) noexcept;
  void count_locked(FrameLoan& loan, FrameLoan::State state) noexcept;
  void end_locked(FrameLoan& loan, FrameLoan::State state) noexcept;
  static Status refuse_ended(const FrameLoan& loan, const char* action, std::string& message);

  mutable std::mutex mutex_;
  FrameAdmission* admission_;  // null once closed
  FrameLoan* open_ = nullptr;
  LoanCounters counters_;
};

}  // namespace simingest::pipeline
