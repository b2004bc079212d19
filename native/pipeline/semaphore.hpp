// A counting semaphore whose post() costs one atomic add while nobody sleeps
// (C++17 has no std::counting_semaphore). Workers sleep on it when both of
// their queues are empty; every push into a queue posts once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace simingest::pipeline {

class Semaphore {
 public:
  void post() {
    // A negative count means that many threads are (about to be) asleep.
    if (count_.fetch_add(1, std::memory_order_acq_rel) < 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++wakeups_;
      condition_.notify_one();
    }
  }

  void wait() {
    if (count_.fetch_sub(1, std::memory_order_acq_rel) > 0) return;
    std::unique_lock<std::mutex> lock(mutex_);
    condition_.wait(lock, [this] { return wakeups_ > 0; });
    --wakeups_;
  }

 private:
  std::atomic<long> count_{0};
  std::mutex mutex_;
  std::condition_variable condition_;
  long wakeups_ = 0;
};

}  // namespace simingest::pipeline
