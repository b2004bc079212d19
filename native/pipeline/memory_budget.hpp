// The hard memory budget for frames in flight.
//
// A host thread charges a frame's bytes before copying it and the engine
// releases them once the frame is written, so used() never exceeds limit():
// when the budget is full the backpressure policy decides whether the host
// waits (acquire), fails or drops (try_acquire), or — for event-loop hosts —
// asks to be told when room appears (notify_when_room).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.hpp"

namespace simingest::pipeline {

class MemoryBudget {
 public:
  // The C ABI's callback type, so hosts' callbacks are called exactly as declared.
  using RoomCallback = simingest_room_callback;
  // `offered`: offer() was called while waiting (a buffer the caller may
  // take from the pool, charged already); the bytes were not acquired.
  enum class WaitResult { acquired, timed_out, closed, offered };

  explicit MemoryBudget(uint64_t limit);
  ~MemoryBudget();  // close()s
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Charges `bytes` if they fit now. Lock-free.
  bool try_acquire(uint64_t bytes) noexcept;
  // Waits until `bytes` fit, `timeout_ms` passes (-1: never), offer() or close().
  WaitResult acquire(uint64_t bytes, int64_t timeout_ms);
  void release(uint64_t bytes) noexcept;

  // Calls `callback(user, ok)` once `bytes` might fit (at once if they fit
  // now), `callback(user, backpressure)` after `timeout_ms` (-1: never), or
  // `callback(user, closed)` at close(). Callbacks run on the releasing
  // thread, the budget's timer thread or the caller's thread, never under a lock.
  void notify_when_room(uint64_t bytes, RoomCallback callback, void* user, int64_t timeout_ms);

  // Wakes every waiter (they get `closed`) and refuses further waits.
  void close();

  // True while a host waits in acquire() or for a room notification.
  bool has_waiters() const noexcept { return sleepers_.load(std::memory_order_acquire) > 0; }
  // True while hosts wait and every one of them waits in acquire() (none for a
  // room notification): offer() reaches them all.
  bool only_blocked_waiters() const noexcept {
    const int acquirers = acquirers_.load(std::memory_order_acquire);
    return acquirers > 0 && sleepers_.load(std::memory_order_acquire) == acquirers;
  }
  // Wakes the hosts waiting in acquire() with `offered`: a buffer they may
  // take was put in the pool, still charged (FrameAdmission::recycle).
  void offer();

  uint64_t used() const noexcept { return used_.load(std::memory_order_relaxed); }
  uint64_t peak() const noexcept { return peak_.load(std::memory_order_relaxed); }
  uint64_t limit() const noexcept { return limit_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct RoomRequest {
    uint64_t bytes;
    RoomCallback callback;
    void* user;
    bool has_deadline;
    Clock::time_point deadline;
  };
  void wake_waiters();
  void run_timer();

  const uint64_t limit_;
  std::atomic<uint64_t> used_{0};
  std::atomic<uint64_t> peak_{0};
  std::atomic<int> sleepers_{0};  // blocked acquirers + room requests
  std::atomic<int> acquirers_{0};  // blocked acquirers
  uint64_t offers_ = 0;            // under mutex_: offer() calls so far

  std::mutex mutex_;
  std::condition_variable room_;   // blocked acquirers
  std::condition_variable timer_;  // the timer thread
  std::vector<RoomRequest> requests_;
  std::thread timer_thread_;
  bool closed_ = false;
};

}  // namespace simingest::pipeline
