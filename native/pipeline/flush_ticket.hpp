// What a flush() waits on: one count per stream, counted down by the commit
// thread once the stream's barrier has been committed (or has failed).
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>

#include "core/status.hpp"

namespace simingest::pipeline {

class FlushTicket {
 public:
  explicit FlushTicket(int count) : remaining_(count) {}

  void count_down(Status status = Status::ok, const std::string& message = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (status != Status::ok && status_ == Status::ok) {
      status_ = status;
      message_ = message;
    }
    if (--remaining_ == 0) done_.notify_all();
  }

  // Returns the first failure reported, or ok.
  Status wait(std::string& message) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return remaining_ == 0; });
    message = message_;
    return status_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  int remaining_;
  Status status_ = Status::ok;
  std::string message_;
};

}  // namespace simingest::pipeline
