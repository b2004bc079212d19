// Where the time goes: for one pipeline stage, how many times it ran, the total
// and the longest duration, and a log2 histogram, all lock-free counters a host
// turns into rates and percentiles.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace simingest {

class StageStats {
 public:
  static constexpr int kBuckets = 40;  // bucket i: 2^i <= ns < 2^(i+1); bucket 0 also holds 0

  void record(int64_t nanoseconds) noexcept {
    const uint64_t ns = nanoseconds > 0 ? static_cast<uint64_t>(nanoseconds) : 0;
    count_.fetch_add(1, std::memory_order_relaxed);
    total_ns_.fetch_add(ns, std::memory_order_relaxed);
    uint64_t seen = max_ns_.load(std::memory_order_relaxed);
    while (ns > seen && !max_ns_.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
    }
    int bucket = ns == 0 ? 0 : 63 - __builtin_clzll(ns);
    if (bucket >= kBuckets) bucket = kBuckets - 1;
    histogram_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  }

  uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  uint64_t total_ns() const noexcept { return total_ns_.load(std::memory_order_relaxed); }
  uint64_t max_ns() const noexcept { return max_ns_.load(std::memory_order_relaxed); }
  uint64_t bucket(int i) const noexcept {
    return histogram_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
  }

 private:
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> total_ns_{0};
  std::atomic<uint64_t> max_ns_{0};
  std::array<std::atomic<uint64_t>, kBuckets> histogram_{};
};

inline int64_t monotonic_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace simingest
