// Frame buffers, recycled. Simulations ingest frames of the same few sizes
// step after step, so a buffer whose frame has been encoded is kept and handed
// to the next frame that fits it: in steady state ingest neither allocates nor
// touches fresh pages (first-touch page faults cost more than the copy).
//
// A cached buffer stays charged to the memory budget, so the budget bounds
// resident memory cached or not: the engine puts a buffer back only while no
// host waits for room, and evicts cached buffers before it refuses or delays
// a frame (Engine's admission path).
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
  // `cache_limit`: bytes the cache may hold at most.
  explicit BufferPool(std::size_t cache_limit);
  ~BufferPool();  // frees the cached buffers
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // The capacity allocate(size) would give: `size` rounded up to 64 bytes,
  // or to whole 2 MiB pages from 2 MiB on (advised as transparent huge
  // pages, so a fresh buffer's first copy faults once per 2 MiB, not 4 KiB).
  static std::size_t capacity_for(std::size_t size) noexcept;
  // A new buffer of capacity_for(size) bytes. Throws std::bad_alloc.
  Buffer allocate(std::size_t size);
  static void free(Buffer buffer) noexcept;

  // A cached buffer of at least `size` bytes and no more than a quarter
  // larger, or an empty Buffer. Never allocates.
  Buffer take(std::size_t size) noexcept;
  // Caches `buffer` if the cache has room for it and returns true; else the
  // caller keeps it (and frees it).
  bool put(Buffer buffer) noexcept;
  // Frees cached buffers, oldest first, until at least `bytes` are freed or
  // the cache is empty. Returns the bytes freed.
  std::size_t evict(std::size_t bytes) noexcept;

  std::size_t cached_bytes() const;
  uint64_t allocations() const;  // new allocations so far (a cache hit costs none)

 private:
  const std::size_t cache_limit_;
  mutable std::mutex mutex_;
  std::vector<Buffer> cache_;  // most recently put last
  std::size_t cached_bytes_ = 0;
  uint64_t allocations_ = 0;
};

}  // namespace simingest::pipeline
