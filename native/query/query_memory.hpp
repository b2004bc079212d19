// The account of bytes held by a query's record batches that the consumer has
// not released yet. Batches outlive the stream that made them (the consumer
// may keep them), so the account is shared by the stream and every buffer it
// exported; the release callbacks may run on any thread, hence the atomic.
#pragma once

#include <atomic>
#include <cstdint>

namespace simingest::query {

class QueryMemory {
 public:
  explicit QueryMemory(uint64_t limit) noexcept : limit_(limit) {}

  // Takes `bytes` for a new batch. Throws Error(resource_limit) saying the
  // limit, what is held and what to do, and takes nothing, when the batches
  // alive would then exceed the limit.
  void take(uint64_t bytes);
  void give_back(uint64_t bytes) noexcept { held_.fetch_sub(bytes, std::memory_order_acq_rel); }

  uint64_t held() const noexcept { return held_.load(std::memory_order_acquire); }
  uint64_t limit() const noexcept { return limit_; }

 private:
  const uint64_t limit_;
  std::atomic<uint64_t> held_{0};
};

// The limit of a dataset handle's queries when the spec gives none.
inline constexpr uint64_t kDefaultQueryMemoryLimit = uint64_t{4} << 30;

}  // namespace simingest::query
