#include "pipeline/memory_budget.hpp"

#include <algorithm>

#include "pipeline/thread_start.hpp"

namespace simingest::pipeline {

MemoryBudget::MemoryBudget(uint64_t limit) : limit_(limit) {}

MemoryBudget::~MemoryBudget() { close(); }

bool MemoryBudget::try_acquire(uint64_t bytes) noexcept {
  uint64_t current = used_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit_ || current > limit_ - bytes) return false;
  } while (!used_.compare_exchange_weak(current, current + bytes, std::memory_order_acq_rel,
                                        std::memory_order_relaxed));
  const uint64_t now = current + bytes;
  uint64_t peak = peak_.load(std::memory_order_relaxed);
  while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return true;
}

MemoryBudget::WaitResult MemoryBudget::acquire(uint64_t bytes, int64_t timeout_ms) {
  if (try_acquire(bytes)) return WaitResult::acquired;
  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0));
  std::unique_lock<std::mutex> lock(mutex_);
  acquirers_.fetch_add(1, std::memory_order_seq_cst);
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
  const uint64_t offers_seen = offers_;
  WaitResult result = WaitResult::acquired;
  for (;;) {
    if (closed_) { result = WaitResult::closed; break; }
    // Re-checked under the lock: release() takes the lock before notifying,
    // so a release between this check and the wait cannot be missed.
    if (try_acquire(bytes)) break;
    if (offers_ != offers_seen) { result = WaitResult::offered; break; }
    if (timeout_ms < 0) {
      room_.wait(lock);
    } else if (room_.wait_until(lock, deadline) == std::cv_status::timeout) {
      if (!try_acquire(bytes)) result = closed_ ? WaitResult::closed : WaitResult::timed_out;
      break;
    }
  }
  sleepers_.fetch_sub(1, std::memory_order_acq_rel);
  acquirers_.fetch_sub(1, std::memory_order_acq_rel);
  return result;
}

void MemoryBudget::offer() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++offers_;
  room_.notify_all();
}

void MemoryBudget::release(uint64_t bytes) noexcept {
  used_.fetch_sub(bytes, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) wake_waiters();
}

void MemoryBudget::wake_waiters() {
  std::vector<RoomRequest> ready;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    room_.notify_all();
    const uint64_t now_used = used_.load(std::memory_order_acquire);
    auto fits = [&](const RoomRequest& r) { return r.bytes <= limit_ && now_used <= limit_ - r.bytes; };
    for (auto it = requests_.begin(); it != requests_.end();) {
      if (fits(*it)) {
        ready.push_back(*it);
        it = requests_.erase(it);
        sleepers_.fetch_sub(1, std::memory_order_acq_rel);
      } else {
        ++it;
      }
    }
  }
  for (const auto& request : ready) request.callback(request.user, SIMINGEST_OK);
}

void MemoryBudget::notify_when_room(uint64_t bytes, RoomCallback callback, void* user,
                                    int64_t timeout_ms) {
  Status answer = Status::ok;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) {
      answer = Status::closed;
    } else {
      // Announce the sleeper before reading used_ (both sequentially
      // consistent, as in release()): a release that reads sleepers_ as 0
      // then happened before this read, so its room is seen here.
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      const uint64_t now_used = used_.load(std::memory_order_seq_cst);
      if (bytes <= limit_ && now_used <= limit_ - bytes) {
        sleepers_.fetch_sub(1, std::memory_order_seq_cst);
      } else {
        RoomRequest request{bytes, callback, user, timeout_ms >= 0,
                            Clock::now() + std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0))};
        try {
          requests_.push_back(request);
        } catch (...) {
          sleepers_.fetch_sub(1, std::memory_order_seq_cst);
          throw;
        }
        if (request.has_deadline) {
          if (!timer_thread_.joinable()) {
            try {
              timer_thread_ = start_thread("the backpressure timer thread", "si-backpressure", [this] { run_timer(); });
            } catch (...) {
              // Not registered after all: the caller answers (notify_room).
              requests_.pop_back();
              sleepers_.fetch_sub(1, std::memory_order_seq_cst);
              throw;
            }
          }
          timer_.notify_one();
        }
        return;
      }
    }
  }
  // Room now, or closed: answer on the caller's thread.
  callback(user, static_cast<simingest_status>(answer));
}

void MemoryBudget::run_timer() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!closed_) {
    auto next = Clock::time_point::max();
    for (const auto& request : requests_)
      if (request.has_deadline) next = std::min(next, request.deadline);
    if (next == Clock::time_point::max()) {
      timer_.wait(lock);
    } else {
      timer_.wait_until(lock, next);
    }
    if (closed_) break;
    const auto now = Clock::now();
    std::vector<RoomRequest> expired;
    for (auto it = requests_.begin(); it != requests_.end();) {
      if (it->has_deadline && it->deadline <= now) {
        expired.push_back(*it);
        it = requests_.erase(it);
        sleepers_.fetch_sub(1, std::memory_order_acq_rel);
      } else {
        ++it;
      }
    }
    if (!expired.empty()) {
      lock.unlock();
      for (const auto& request : expired) request.callback(request.user, SIMINGEST_ERR_BACKPRESSURE);
      lock.lock();
    }
  }
}

void MemoryBudget::close() {
  std::vector<RoomRequest> pending;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_ && !timer_thread_.joinable()) return;
    closed_ = true;
    pending.swap(requests_);
    sleepers_.fetch_sub(static_cast<int>(pending.size()), std::memory_order_acq_rel);
    room_.notify_all();
    timer_.notify_all();
  }
  if (timer_thread_.joinable()) timer_thread_.join();
  for (const auto& request : pending) request.callback(request.user, SIMINGEST_ERR_CLOSED);
}

}  // namespace simingest::pipeline
