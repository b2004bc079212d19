// What a flush waits on: one count per stream, counted down by the commit
// thread once the stream's barrier has been committed (or has failed).
// A flush() waits on a ticket on its stack; a flush_async() ticket lives on
// the heap, runs its completion on the thread of the last count_down and
// then deletes itself.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <utility>

#include "core/status.hpp"

namespace simingest::pipeline {

class FlushTicket {
 public:
  using Completion = std::function<void(Status, const std::string&)>;

  explicit FlushTicket(int count) : remaining_(count) {}
  // Heap-allocated only: deletes itself after `on_done` returns. count > 0.
  FlushTicket(int count, Completion on_done) : remaining_(count), on_done_(std::move(on_done)) {}

  void count_down(Status status = Status::ok, const std::string& message = {}) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (status != Status::ok && status_ == Status::ok) {
      status_ = status;
      message_ = message;
    }
    if (--remaining_ != 0) return;
    if (!on_done_) {
      done_.notify_all();
      return;
    }
    lock.unlock();  // the last count: nobody else touches this ticket now
    on_done_(status_, message_);
    delete this;
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
  Completion on_done_;
};

}  // namespace simingest::pipeline
