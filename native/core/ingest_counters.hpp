// The frame and byte counters of one stream. Updated with relaxed atomics on
// the hot path; read as a snapshot for statistics.
//
// Invariant (per stream, at every moment a snapshot is taken in the order
// below): accepted = committed + dropped + in flight. `accepted` is raised
// before a frame enters the pipeline and `committed`/`dropped` after it
// leaves, so a reader that loads committed and dropped before accepted never
// sees a negative number in flight.
#pragma once

#include <atomic>
#include <cstdint>

namespace simingest {

struct IngestCounters {
  std::atomic<uint64_t> frames_accepted{0};
  std::atomic<uint64_t> frames_committed{0};
  std::atomic<uint64_t> frames_dropped{0};
  std::atomic<uint64_t> frames_rejected{0};
  std::atomic<uint64_t> rows_committed{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_written{0};
  std::atomic<uint64_t> files_committed{0};
};

struct IngestCountersSnapshot {
  uint64_t frames_accepted = 0, frames_committed = 0, frames_dropped = 0, frames_in_flight = 0,
           frames_rejected = 0, rows_committed = 0, bytes_in = 0, bytes_written = 0,
           files_committed = 0;

  static IngestCountersSnapshot of(const IngestCounters& c) noexcept {
    IngestCountersSnapshot s;
    s.frames_committed = c.frames_committed.load(std::memory_order_acquire);
    s.frames_dropped = c.frames_dropped.load(std::memory_order_acquire);
    s.frames_accepted = c.frames_accepted.load(std::memory_order_acquire);
    s.frames_in_flight = s.frames_accepted - s.frames_committed - s.frames_dropped;
    s.frames_rejected = c.frames_rejected.load(std::memory_order_relaxed);
    s.rows_committed = c.rows_committed.load(std::memory_order_relaxed);
    s.bytes_in = c.bytes_in.load(std::memory_order_relaxed);
    s.bytes_written = c.bytes_written.load(std::memory_order_relaxed);
    s.files_committed = c.files_committed.load(std::memory_order_relaxed);
    return s;
  }

  void add(const IngestCountersSnapshot& o) noexcept {
    frames_accepted += o.frames_accepted; frames_committed += o.frames_committed;
    frames_dropped += o.frames_dropped; frames_in_flight += o.frames_in_flight;
    frames_rejected += o.frames_rejected; rows_committed += o.rows_committed;
    bytes_in += o.bytes_in; bytes_written += o.bytes_written; files_committed += o.files_committed;
  }
};

}  // namespace simingest
