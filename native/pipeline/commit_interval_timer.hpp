// Bounded staleness (commitIntervalMs, ADR 0017): no accepted frame stays
// uncommitted longer than its stream's interval. The first frame a stream
// enqueues after its last roll-over arms the stream's deadline (its
// acceptance + the interval); at the deadline this timer's thread sends a
// barrier down the stream — the marker flush uses, without a waiter — so the
// open row group is sealed and the open file committed. Frames that came
// after the first share its roll-over: they are before the barrier.
//
// Invariant: a stream's `commit_deadline_ns` is 0 or the time by which a
// roll-over is due. A data frame arms it (0 → deadline) only after its own
// enqueue took its `seq`, and the timer clears it (→ 0) before it enqueues the
// barrier; so a frame that finds it armed is ordered before the barrier of
// that deadline (its seq was taken before the clear, and the seq counter's
// acq_rel read-modify-writes order the two), and a frame that finds it clear
// arms it anew. Every frame thus has a barrier after it that is enqueued at
// most one interval after it was accepted (later only while the timer's
// thread is descheduled or out of memory for the marker).
// Lock: `mutex_` guards `stop_` and the timer's sleep: a host that arms a
// deadline takes it once to wake the timer, so no wake-up falls between the
// timer's look at the deadlines and its sleep. The deadlines are atomics.
// Hosts never wait: arming is one compare-exchange and a short lock, once per
// interval per stream; the common case is one load.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/stage_stats.hpp"
#include "pipeline/stream_state.hpp"

namespace simingest::pipeline {

class CommitIntervalTimer {
 public:
  using Streams = std::vector<std::unique_ptr<StreamState>>;
  // Sends a barrier down the stream (FrameAdmission::enqueue_marker); may
  // throw std::bad_alloc, then the roll-over is retried an interval later.
  using RollOver = std::function<void(StreamState&)>;

  // `streams` is filled by open() before start() and outlives this.
  explicit CommitIntervalTimer(const Streams& streams) noexcept : streams_(streams) {}
  CommitIntervalTimer(const CommitIntervalTimer&) = delete;
  CommitIntervalTimer& operator=(const CommitIntervalTimer&) = delete;
  ~CommitIntervalTimer() { stop(); }

  // Starts the thread unless no stream has an interval. Throws
  // Error(resource_limit) if the system refuses the thread.
  void start(RollOver roll_over);
  // No roll-over is sent after it returns. Idempotent.
  void stop() noexcept;
  bool running() const noexcept { return thread_.joinable(); }

  // Host thread, after a data frame of `stream` was enqueued. Never throws.
  void frame_enqueued(StreamState& stream) noexcept {
    if (stream.commit_interval_ns == 0) return;
    if (stream.commit_deadline_ns.load(std::memory_order_acquire) != 0) return;  // a roll-over is due already
    arm(stream);
  }

 private:
  void arm(StreamState& stream) noexcept;
  void run();

  const Streams& streams_;
  RollOver roll_over_;
  std::vector<StreamState*> due_;  // the run loop's, reserved at start: no allocation per roll-over
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace simingest::pipeline
