// The commit-interval timer (commit_interval_timer.hpp).
#include "pipeline/commit_interval_timer.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <new>

#include "pipeline/thread_start.hpp"

namespace simingest::pipeline {

namespace {
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
}

void CommitIntervalTimer::start(RollOver roll_over) {
  bool any = false;
  for (const auto& stream : streams_) any = any || stream->commit_interval_ns > 0;
  if (!any) return;
  roll_over_ = std::move(roll_over);
  due_.reserve(streams_.size());
  thread_ = start_thread("the commit interval timer", "si-commit-timer", [this] { run(); });
}

void CommitIntervalTimer::stop() noexcept {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CommitIntervalTimer::arm(StreamState& stream) noexcept {
  int64_t unarmed = 0;
  const int64_t deadline = monotonic_ns() + stream.commit_interval_ns;
  // Another host of the same stream may have armed it meanwhile: its deadline
  // is earlier, and this frame, enqueued already, is before its barrier.
  if (!stream.commit_deadline_ns.compare_exchange_strong(unarmed, deadline, std::memory_order_acq_rel)) return;
  // Taking the lock once orders this against the timer's look at the
  // deadlines: either it saw this one, or it is asleep and gets the wake-up.
  { std::lock_guard<std::mutex> lock(mutex_); }
  wake_.notify_one();
}

void CommitIntervalTimer::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    const int64_t now = monotonic_ns();
    int64_t next = kNever;
    due_.clear();
    for (const auto& stream : streams_) {
      const int64_t deadline = stream->commit_deadline_ns.load(std::memory_order_acquire);
      if (deadline == 0) continue;
      if (deadline <= now) {
        due_.push_back(stream.get());
      } else {
        next = std::min(next, deadline);
      }
    }
    if (!due_.empty()) {
      lock.unlock();
      for (StreamState* stream : due_) {
        // Cleared before the barrier is enqueued (see the invariant).
        stream->commit_deadline_ns.store(0, std::memory_order_release);
        try {
          roll_over_(*stream);
        } catch (const std::bad_alloc&) {
          // No memory for a marker: try again an interval later, unless a
          // new frame has armed it already (arm leaves an armed one alone).
          arm(*stream);
        }
      }
      lock.lock();
      continue;
    }
    if (next == kNever) {
      wake_.wait(lock);
    } else {
      wake_.wait_until(lock, std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next)));
    }
  }
}

}  // namespace simingest::pipeline
