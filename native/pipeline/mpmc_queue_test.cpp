#include "pipeline/mpmc_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace simingest::pipeline {
namespace {

TEST(MpmcQueue, pops_in_push_order_for_one_producer) {
  MpmcQueue<int> queue(8);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(queue.try_push(i));
  for (int i = 0; i < 8; ++i) {
    int value = -1;
    ASSERT_TRUE(queue.try_pop(value));
    EXPECT_EQ(value, i);
  }
}

TEST(MpmcQueue, refuses_push_when_full_and_pop_when_empty) {
  MpmcQueue<int> queue(4);
  EXPECT_EQ(queue.capacity(), 4u);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(queue.try_push(i));
  EXPECT_FALSE(queue.try_push(99));
  int value = 0;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(queue.try_pop(value));
  EXPECT_FALSE(queue.try_pop(value));
}

TEST(MpmcQueue, rounds_capacity_up_to_a_power_of_two) {
  MpmcQueue<int> queue(5);
  EXPECT_EQ(queue.capacity(), 8u);
}

TEST(MpmcQueue, delivers_every_value_exactly_once_across_threads) {
  constexpr int kProducers = 4, kConsumers = 3, kPerProducer = 20000;
  MpmcQueue<uint64_t> queue(64);
  std::vector<std::atomic<int>> seen(kProducers * kPerProducer);
  std::atomic<int> consumed{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p)
    threads.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        const uint64_t value = static_cast<uint64_t>(p) * kPerProducer + static_cast<uint64_t>(i);
        while (!queue.try_push(value)) std::this_thread::yield();
      }
    });
  for (int c = 0; c < kConsumers; ++c)
    threads.emplace_back([&] {
      uint64_t value;
      while (consumed.load() < kProducers * kPerProducer) {
        if (queue.try_pop(value)) {
          seen[value].fetch_add(1);
          consumed.fetch_add(1);
        } else {
          std::this_thread::yield();
        }
      }
    });
  for (auto& t : threads) t.join();
  for (auto& count : seen) ASSERT_EQ(count.load(), 1);
}

}  // namespace
}  // namespace simingest::pipeline
