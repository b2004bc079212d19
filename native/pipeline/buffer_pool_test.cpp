#include "pipeline/buffer_pool.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace simingest::pipeline {
namespace {

TEST(BufferPool, reuses_a_released_buffer_of_the_same_size) {
  BufferPool pool(1 << 20);
  Buffer first = pool.acquire(1000);
  unsigned char* address = first.data;
  pool.release(first);
  Buffer second = pool.acquire(1000);
  EXPECT_EQ(second.data, address);
  EXPECT_EQ(pool.allocations(), 1u);
  pool.release(second);
}

TEST(BufferPool, returns_aligned_buffers_at_least_as_large_as_asked) {
  BufferPool pool(1 << 20);
  for (std::size_t size : {1u, 63u, 64u, 65u, 4097u}) {
    Buffer buffer = pool.acquire(size);
    EXPECT_GE(buffer.capacity, size);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffer.data) % 64, 0u);
    pool.release(buffer);
  }
}

TEST(BufferPool, does_not_hand_out_a_much_larger_buffer) {
  BufferPool pool(1 << 20);
  pool.release(pool.acquire(100000));
  Buffer small = pool.acquire(1000);
  EXPECT_LT(small.capacity, 2000u);
  EXPECT_EQ(pool.allocations(), 2u);
  pool.release(small);
}

TEST(BufferPool, keeps_its_cache_under_the_limit) {
  BufferPool pool(10000);
  Buffer a = pool.acquire(6000), b = pool.acquire(6000);
  pool.release(a);
  pool.release(b);
  EXPECT_LE(pool.cached_bytes(), 10000u);
  pool.release(pool.acquire(50000));  // larger than the whole cache: freed
  EXPECT_LE(pool.cached_bytes(), 10000u);
}

}  // namespace
}  // namespace simingest::pipeline
