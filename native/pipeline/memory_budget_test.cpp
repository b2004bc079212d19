#include "pipeline/memory_budget.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace simingest::pipeline {
namespace {

TEST(MemoryBudget, try_acquire_never_exceeds_the_limit) {
  MemoryBudget budget(100);
  EXPECT_TRUE(budget.try_acquire(60));
  EXPECT_FALSE(budget.try_acquire(41));
  EXPECT_TRUE(budget.try_acquire(40));
  EXPECT_EQ(budget.used(), 100u);
  budget.release(100);
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_EQ(budget.peak(), 100u);
  EXPECT_FALSE(budget.try_acquire(101));
}

TEST(MemoryBudget, acquire_waits_for_a_release) {
  MemoryBudget budget(100);
  ASSERT_TRUE(budget.try_acquire(100));
  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    EXPECT_EQ(budget.acquire(50, -1), MemoryBudget::WaitResult::acquired);
    acquired = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(acquired.load());
  budget.release(60);
  waiter.join();
  EXPECT_TRUE(acquired.load());
  EXPECT_EQ(budget.used(), 90u);
}

TEST(MemoryBudget, acquire_times_out) {
  MemoryBudget budget(10);
  ASSERT_TRUE(budget.try_acquire(10));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(budget.acquire(5, 30), MemoryBudget::WaitResult::timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(25));
}

TEST(MemoryBudget, close_wakes_blocked_acquirers) {
  MemoryBudget budget(10);
  ASSERT_TRUE(budget.try_acquire(10));
  std::thread waiter([&] { EXPECT_EQ(budget.acquire(5, -1), MemoryBudget::WaitResult::closed); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  budget.close();
  waiter.join();
}

struct Notes {
  std::atomic<int> calls{0};
  std::atomic<int> last{-1};
};
void note(void* user, simingest_status status) {
  auto* notes = static_cast<Notes*>(user);
  notes->last = status;
  notes->calls.fetch_add(1);
}

TEST(MemoryBudget, notify_when_room_answers_at_once_when_there_is_room) {
  MemoryBudget budget(100);
  Notes notes;
  budget.notify_when_room(10, note, &notes, -1);
  EXPECT_EQ(notes.calls.load(), 1);
  EXPECT_EQ(notes.last.load(), SIMINGEST_OK);
}

TEST(MemoryBudget, notify_when_room_answers_after_a_release) {
  MemoryBudget budget(100);
  ASSERT_TRUE(budget.try_acquire(100));
  Notes notes;
  budget.notify_when_room(30, note, &notes, -1);
  EXPECT_EQ(notes.calls.load(), 0);
  budget.release(10);  // not enough yet
  EXPECT_EQ(notes.calls.load(), 0);
  budget.release(20);
  EXPECT_EQ(notes.calls.load(), 1);
  EXPECT_EQ(notes.last.load(), SIMINGEST_OK);
}

TEST(MemoryBudget, notify_when_room_times_out_with_backpressure) {
  MemoryBudget budget(100);
  ASSERT_TRUE(budget.try_acquire(100));
  Notes notes;
  budget.notify_when_room(30, note, &notes, 20);
  for (int i = 0; i < 200 && notes.calls.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(notes.calls.load(), 1);
  EXPECT_EQ(notes.last.load(), SIMINGEST_ERR_BACKPRESSURE);
}

TEST(MemoryBudget, close_answers_pending_notifications_with_closed) {
  MemoryBudget budget(100);
  ASSERT_TRUE(budget.try_acquire(100));
  Notes notes;
  budget.notify_when_room(30, note, &notes, -1);
  budget.close();
  EXPECT_EQ(notes.calls.load(), 1);
  EXPECT_EQ(notes.last.load(), SIMINGEST_ERR_CLOSED);
}

// offer(): a host blocked in acquire() wakes with `offered` (nothing charged),
// so it can take a buffer put in the pool for it; a room request is not a
// blocked acquirer, so only_blocked_waiters() turns false while one waits.
TEST(MemoryBudget, offer_wakes_blocked_acquirers_without_charging_them) {
  MemoryBudget budget(100);
  ASSERT_TRUE(budget.try_acquire(100));
  EXPECT_FALSE(budget.only_blocked_waiters());
  std::atomic<int> result{-1};
  std::thread waiter([&] { result = static_cast<int>(budget.acquire(50, -1)); });
  while (!budget.only_blocked_waiters()) std::this_thread::yield();
  budget.offer();
  waiter.join();
  EXPECT_EQ(result.load(), static_cast<int>(MemoryBudget::WaitResult::offered));
  EXPECT_EQ(budget.used(), 100u);
  EXPECT_FALSE(budget.has_waiters());

  std::atomic<int> calls{0};
  budget.notify_when_room(50, [](void* user, simingest_status) { ++*static_cast<std::atomic<int>*>(user); }, &calls, -1);
  EXPECT_TRUE(budget.has_waiters());
  EXPECT_FALSE(budget.only_blocked_waiters());
  budget.release(60);
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace simingest::pipeline
