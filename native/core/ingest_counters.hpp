// The frame and byte counters of one stream. Updated with atomics on the hot
// path; read as a snapshot for statistics.
//
// Invariant (per stream, in every snapshot): accepted = committed + dropped +
// skipped as duplicates + in flight, every term >= 0. Every frame raises
// `accepted` before it is counted as leaving (committed, dropped or skipped),
// and every "leaving" increment is a release that the raise of `accepted`
// happens before: on the same thread (count_*_at_admission below) or through
// the queues that carry the frame to the commit thread. A snapshot loads the
// leaving counters with acquire first and `accepted` last, so it sees the
// `accepted` of every frame it sees leave, and in flight never wraps below 0.
// (Relaxed increments of two counters on one thread may become visible to
// another thread in either order on weakly ordered CPUs: hence the helpers.)
#pragma once

#include <atomic>
#include <cstdint>

namespace simingest {

struct IngestCounters {
  std::atomic<uint64_t> frames_accepted{0};
  std::atomic<uint64_t> frames_committed{0};
  std::atomic<uint64_t> frames_dropped{0};
  std::atomic<uint64_t> frames_skipped_duplicate{0};  // resumeFromStep: already in the dataset
  std::atomic<uint64_t> frames_rejected{0};
  std::atomic<uint64_t> rows_committed{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_written{0};
  std::atomic<uint64_t> files_committed{0};

  // A frame accepted and dropped at once (backpressure "drop").
  void count_dropped_at_admission(uint64_t bytes) noexcept {
    frames_accepted.fetch_add(1, std::memory_order_relaxed);
    bytes_in.fetch_add(bytes, std::memory_order_relaxed);
    frames_dropped.fetch_add(1, std::memory_order_release);
  }

  // A frame accepted and skipped at once: the dataset holds its step already.
  void count_skipped_at_admission(uint64_t bytes) noexcept {
    frames_accepted.fetch_add(1, std::memory_order_relaxed);
    bytes_in.fetch_add(bytes, std::memory_order_relaxed);
    frames_skipped_duplicate.fetch_add(1, std::memory_order_release);
  }
};

struct IngestCountersSnapshot {
  uint64_t frames_accepted = 0, frames_committed = 0, frames_dropped = 0, frames_skipped_duplicate = 0,
           frames_in_flight = 0, frames_rejected = 0, rows_committed = 0, bytes_in = 0, bytes_written = 0,
           files_committed = 0;

  static IngestCountersSnapshot of(const IngestCounters& c) noexcept {
    IngestCountersSnapshot s;
    // The frames that left first, then those that arrived (see the invariant).
    s.frames_committed = c.frames_committed.load(std::memory_order_acquire);
    s.frames_dropped = c.frames_dropped.load(std::memory_order_acquire);
    s.frames_skipped_duplicate = c.frames_skipped_duplicate.load(std::memory_order_acquire);
    s.frames_accepted = c.frames_accepted.load(std::memory_order_acquire);
    s.frames_in_flight = s.frames_accepted - s.frames_committed - s.frames_dropped - s.frames_skipped_duplicate;
    s.frames_rejected = c.frames_rejected.load(std::memory_order_relaxed);
    s.rows_committed = c.rows_committed.load(std::memory_order_relaxed);
    s.bytes_in = c.bytes_in.load(std::memory_order_relaxed);
    s.bytes_written = c.bytes_written.load(std::memory_order_relaxed);
    s.files_committed = c.files_committed.load(std::memory_order_relaxed);
    return s;
  }

  void add(const IngestCountersSnapshot& o) noexcept {
    frames_accepted += o.frames_accepted; frames_committed += o.frames_committed;
    frames_dropped += o.frames_dropped; frames_skipped_duplicate += o.frames_skipped_duplicate;
    frames_in_flight += o.frames_in_flight; frames_rejected += o.frames_rejected;
    rows_committed += o.rows_committed; bytes_in += o.bytes_in; bytes_written += o.bytes_written;
    files_committed += o.files_committed;
  }
};

}  // namespace simingest
