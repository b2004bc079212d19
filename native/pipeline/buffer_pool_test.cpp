#include "pipeline/buffer_pool.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace simingest::pipeline {
namespace {

TEST(BufferPool, hands_a_put_buffer_to_the_next_frame_of_the_same_size) {
  BufferPool pool(1 << 20);
  Buffer first = pool.allocate(1000);
  unsigned char* address = first.data;
  ASSERT_TRUE(pool.put(first));
  EXPECT_EQ(pool.cached_bytes(), first.capacity);
  Buffer second = pool.take(1000);
  EXPECT_EQ(second.data, address);
  EXPECT_EQ(pool.cached_bytes(), 0u);
  EXPECT_EQ(pool.allocations(), 1u);
  BufferPool::free(second);
}

TEST(BufferPool, allocates_aligned_buffers_at_least_as_large_as_asked) {
  BufferPool pool(1 << 20);
  for (std::size_t size : {1u, 63u, 64u, 65u, 4097u}) {
    Buffer buffer = pool.allocate(size);
    EXPECT_GE(buffer.capacity, size);
    EXPECT_EQ(buffer.capacity, BufferPool::capacity_for(size));
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffer.data) % 64, 0u);
    BufferPool::free(buffer);
  }
}

TEST(BufferPool, take_never_allocates_and_never_hands_out_a_much_larger_buffer) {
  BufferPool pool(1 << 20);
  EXPECT_EQ(pool.take(1000).data, nullptr);
  ASSERT_TRUE(pool.put(pool.allocate(100000)));
  EXPECT_EQ(pool.take(1000).data, nullptr);
  EXPECT_EQ(pool.allocations(), 1u);
}

TEST(BufferPool, refuses_to_cache_beyond_its_limit) {
  BufferPool pool(10000);
  Buffer a = pool.allocate(6000), b = pool.allocate(6000);
  EXPECT_TRUE(pool.put(a));
  EXPECT_FALSE(pool.put(b));  // the caller keeps it
  EXPECT_LE(pool.cached_bytes(), 10000u);
  BufferPool::free(b);
}

TEST(BufferPool, evicts_oldest_first_until_enough_is_freed) {
  BufferPool pool(1 << 20);
  Buffer a = pool.allocate(4096), b = pool.allocate(4096), c = pool.allocate(4096);
  unsigned char* newest = c.data;
  ASSERT_TRUE(pool.put(a));
  ASSERT_TRUE(pool.put(b));
  ASSERT_TRUE(pool.put(c));
  EXPECT_EQ(pool.evict(5000), 8192u);  // a and b
  EXPECT_EQ(pool.cached_bytes(), 4096u);
  Buffer left = pool.take(4096);
  EXPECT_EQ(left.data, newest);
  BufferPool::free(left);
  EXPECT_EQ(pool.evict(1), 0u);
}

}  // namespace
}  // namespace simingest::pipeline

namespace simingest::pipeline {
namespace {

TEST(BufferPool, rounds_large_buffers_to_whole_huge_pages_and_charges_them) {
  constexpr std::size_t kMiB = 1 << 20;
  EXPECT_EQ(BufferPool::capacity_for(3 * kMiB + 100), 4 * kMiB);
  EXPECT_EQ(BufferPool::capacity_for(2 * kMiB), 2 * kMiB);
  EXPECT_EQ(BufferPool::capacity_for(2 * kMiB - 64), 2 * kMiB - 64);
  BufferPool pool(64 * kMiB);
  Buffer buffer = pool.allocate(3 * kMiB);
  EXPECT_EQ(buffer.capacity, 4 * kMiB);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffer.data) % (2 * kMiB), 0u);
  BufferPool::free(buffer);
}

}  // namespace
}  // namespace simingest::pipeline
