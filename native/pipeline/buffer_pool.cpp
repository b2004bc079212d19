#include "pipeline/buffer_pool.hpp"

#include <cstdlib>
#include <new>

namespace simingest::pipeline {

namespace {
constexpr std::size_t kAlignment = 64;

std::size_t round_up(std::size_t size) { return (size + kAlignment - 1) / kAlignment * kAlignment; }
}  // namespace

BufferPool::BufferPool(std::size_t cache_limit) : cache_limit_(cache_limit) {}

BufferPool::~BufferPool() {
  for (auto& buffer : cache_) std::free(buffer.data);
}

Buffer BufferPool::acquire(std::size_t size) {
  const std::size_t wanted = round_up(size == 0 ? 1 : size);
  {
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
    ++allocations_;
  }
  void* memory = std::aligned_alloc(kAlignment, wanted);
  if (memory == nullptr) throw std::bad_alloc();
  return Buffer{static_cast<unsigned char*>(memory), wanted};
}

void BufferPool::release(Buffer buffer) noexcept {
  if (buffer.data == nullptr) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (buffer.capacity > cache_limit_) {
    std::free(buffer.data);
    return;
  }
  while (cached_bytes_ + buffer.capacity > cache_limit_ && !cache_.empty()) {
    cached_bytes_ -= cache_.front().capacity;
    std::free(cache_.front().data);
    cache_.erase(cache_.begin());
  }
  // push_back may need to grow the vector; if that fails, free instead of caching.
  try {
    cache_.push_back(buffer);
    cached_bytes_ += buffer.capacity;
  } catch (...) {
    std::free(buffer.data);
  }
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
