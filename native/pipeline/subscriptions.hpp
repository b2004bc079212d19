// In-process subscriptions to the realtime path (simingest_subscribe).
//
// Host threads publish(): a frame the router sent to the realtime log is
// copied into the bounded queue (a ring of slots whose byte vectors keep
// their capacity, so steady state allocates nothing) of every subscriber of
// its stream. A full queue never makes the host wait: policy dropOldest
// overwrites the oldest slot and counts the gap, policy disconnect ends the
// subscription. One delivery thread, started by the first subscribe(), takes
// a subscriber's oldest slot (swapping its bytes with the subscriber's
// delivery slot) and runs the callback without the lock.
//
// Invariant: a subscriber's callback runs on at most one thread at a time
// (`in_callback`), frames in publish order, then the end call exactly once;
// after it the subscriber is out of `subscribers_` and never called again.
// cancel() (unsubscribe) waits until no callback of its subscriber runs, then
// takes over the end call itself. stop() (close) lets the delivery thread
// deliver what is queued, end every subscriber with `closed`, and joins it.
// Lock: `mutex_` guards the subscriber list, every queue, the states and the
// stop flag; the delivery slot and the callback belong to whoever set
// `in_callback`.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.hpp"
#include "pipeline/frame_validation.hpp"
#include "simingest.h"

namespace simingest::pipeline {

struct StreamState;
class Subscriptions;

struct SubscribeOptions {
  std::size_t queue_frames = kDefaultQueueFrames;
  bool disconnect = false;  // policy disconnect; else dropOldest
  bool has_from_step = false;
  int64_t from_step = 0;
  static constexpr std::size_t kDefaultQueueFrames = 256;
  static constexpr std::size_t kMaxQueueFrames = 1u << 20;
};

struct Subscriber;

// A subscription as its owner (the C handle) holds it: it keeps the hub
// alive, so cancel() works after the engine is gone.
class Subscription {
 public:
  Subscription(std::shared_ptr<Subscriptions> hub, std::shared_ptr<Subscriber> subscriber) noexcept
      : hub_(std::move(hub)), subscriber_(std::move(subscriber)) {}
  // Ends the subscription (its end call runs here unless it ran already).
  // invalid_argument: called twice, or from a subscription callback.
  Status cancel(std::string& message) noexcept;

 private:
  std::shared_ptr<Subscriptions> hub_;
  std::shared_ptr<Subscriber> subscriber_;
};

class Subscriptions : public std::enable_shared_from_this<Subscriptions> {
 public:
  Subscriptions() = default;
  ~Subscriptions();
  Subscriptions(const Subscriptions&) = delete;
  Subscriptions& operator=(const Subscriptions&) = delete;

  // Throws Error(closed) after stop(), Error(resource_limit) (the delivery
  // thread), std::bad_alloc.
  std::unique_ptr<Subscription> subscribe(const StreamState& stream, const SubscribeOptions& options,
                                          simingest_subscription_callback callback, void* user);

  // A frame the router sent to the realtime path; validated already.
  void publish(const StreamState& stream, int64_t step, double time, const simingest_column* columns,
               const FrameShape& shape) noexcept {
    if (active_.load(std::memory_order_acquire) == 0) return;  // the common case: nobody listens
    publish_locked(stream, step, time, columns, shape);
  }

  // Delivers what is queued, ends every subscription with `closed`, joins
  // the delivery thread. Idempotent.
  void stop() noexcept;

  Status cancel(Subscriber& subscriber, std::string& message) noexcept;

  struct Totals {
    uint64_t subscribers = 0, delivered = 0, dropped = 0, disconnected = 0, queued = 0, max_queued = 0;
  };
  Totals totals() const;

 private:
  void publish_locked(const StreamState& stream, int64_t step, double time, const simingest_column* columns,
                      const FrameShape& shape) noexcept;
  void run_delivery();
  // Runs `subscriber`'s end call with the lock released; removes it first.
  void end(std::unique_lock<std::mutex>& lock, Subscriber& subscriber) noexcept;
  void remove(Subscriber& subscriber) noexcept;

  mutable std::mutex mutex_;
  std::condition_variable wake_;  // the delivery thread sleeps on it
  std::condition_variable idle_;  // cancel() waits on it for a callback to return
  std::vector<std::shared_ptr<Subscriber>> subscribers_;
  std::atomic<uint32_t> active_{0};  // subscribers_.size(), read without the lock by publish()
  bool stopping_ = false;
  std::thread delivery_;
  std::thread::id delivery_id_;
  uint64_t delivered_ = 0, dropped_ = 0, disconnected_ = 0;
};

}  // namespace simingest::pipeline
