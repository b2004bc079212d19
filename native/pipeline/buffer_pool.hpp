// Frame buffers, recycled. Simulations ingest frames of the same few sizes
// step after step, so a released buffer is kept and handed to the next frame
// that fits it: in steady state ingest allocates nothing.
//
// The cache is bounded (cache_limit bytes, oldest evicted first) and is not
// part of the memory budget: resident memory stays under budget + cache_limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace simingest::pipeline {

struct Buffer {
  unsigned char* data = nullptr;  // 64-byte aligned
  std::size_t capacity = 0;
  uint32_t node = 0;  // the engine's per-node pool it goes back to; BufferPool ignores it
};

class BufferPool {
 public:
  explicit BufferPool(std::size_t cache_limit);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A buffer of at least `size` bytes: a cached one no more than a quarter
  // larger if there is one, else a new allocation. Throws std::bad_alloc.
  Buffer acquire(std::size_t size);
  // Returns a buffer from acquire(). Thread-safe, like acquire().
  void release(Buffer buffer) noexcept;

  std::size_t cached_bytes() const;
  uint64_t allocations() const;  // new allocations so far (a hit costs none)

 private:
  const std::size_t cache_limit_;
  mutable std::mutex mutex_;
  std::vector<Buffer> cache_;  // most recently released last
  std::size_t cached_bytes_ = 0;
  uint64_t allocations_ = 0;
};

}  // namespace simingest::pipeline
