#include "pipeline/buffer_pool.hpp"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace simingest::pipeline {

namespace {
constexpr std::size_t kAlignment = 64;
constexpr std::size_t kHugePage = 2u << 20;
}  // namespace

BufferPool::BufferPool(std::size_t cache_limit) : cache_limit_(cache_limit) {
  cache_.reserve(64);
}

BufferPool::~BufferPool() {
  for (auto& buffer : cache_) free(buffer);
}

std::size_t BufferPool::capacity_for(std::size_t size) noexcept {
  const std::size_t aligned = ((size == 0 ? 1 : size) + kAlignment - 1) / kAlignment * kAlignment;
  // Large buffers take whole huge pages: the budget charges what is mapped.
  return aligned >= kHugePage ? (aligned + kHugePage - 1) / kHugePage * kHugePage : aligned;
}

Buffer BufferPool::allocate(std::size_t size) {
  const std::size_t capacity = capacity_for(size);
  // Large buffers are huge-page aligned and advised: the host's first copy
  // into a fresh buffer then faults once per 2 MiB instead of once per 4 KiB
  // (where transparent huge pages are enabled; a no-op elsewhere).
  const bool huge = capacity >= kHugePage;  // then a multiple of kHugePage
  void* memory = std::aligned_alloc(huge ? kHugePage : kAlignment, capacity);
  if (memory == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  if (huge) madvise(memory, capacity, MADV_HUGEPAGE);
#endif
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++allocations_;
  }
  return Buffer{static_cast<unsigned char*>(memory), capacity, 0};
}

void BufferPool::free(Buffer buffer) noexcept { std::free(buffer.data); }

Buffer BufferPool::take(std::size_t size) noexcept {
  const std::size_t wanted = capacity_for(size);
  std::lock_guard<std::mutex> lock(mutex_);
  // Newest first: the buffer most likely still warm in cache.
  for (std::size_t i = cache_.size(); i-- > 0;) {
    const Buffer candidate = cache_[i];
    if (candidate.capacity >= wanted && candidate.capacity - wanted <= wanted / 4) {
      cache_.erase(cache_.begin() + static_cast<std::ptrdiff_t>(i));
      cached_bytes_ -= candidate.capacity;
      return candidate;
    }
  }
  return Buffer{};
}

bool BufferPool::put(Buffer buffer) noexcept {
  if (buffer.data == nullptr) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  if (cached_bytes_ + buffer.capacity > cache_limit_) return false;
  try {
    cache_.push_back(buffer);  // may grow the vector: then the caller frees instead
  } catch (...) {
    return false;
  }
  cached_bytes_ += buffer.capacity;
  return true;
}

std::size_t BufferPool::evict(std::size_t bytes) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t freed = 0, count = 0;
  while (freed < bytes && count < cache_.size()) freed += cache_[count++].capacity;
  for (std::size_t i = 0; i < count; ++i) free(cache_[i]);
  cache_.erase(cache_.begin(), cache_.begin() + static_cast<std::ptrdiff_t>(count));
  cached_bytes_ -= freed;
  return freed;
}

std::size_t BufferPool::cached_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cached_bytes_;
}

uint64_t BufferPool::allocations() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return allocations_;
}

}  // namespace simingest::pipeline
