// The engine's first failure (a storage error, out of memory while encoding),
// which every later ingest, flush and close reports.
//
// Invariant: once failed() is true it stays true, and get() returns the
// first recorded status and message, never a later one.
// Lock: `mutex_` guards `status_` and `message_`; `failed_` is set after
// them, so failed() is a lock-free check on the hot path.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "core/status.hpp"

namespace simingest::pipeline {

class StickyFailure {
 public:
  void record(Status status, const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (status_ == Status::ok) {
      status_ = status;
      message_ = message;
    }
    failed_.store(true, std::memory_order_release);
  }

  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }

  // The first failure's status (ok if none) and message.
  Status get(std::string& message) const {
    std::lock_guard<std::mutex> lock(mutex_);
    message = message_;
    return status_;
  }

 private:
  std::atomic<bool> failed_{false};
  mutable std::mutex mutex_;
  Status status_ = Status::ok;
  std::string message_;
};

}  // namespace simingest::pipeline
