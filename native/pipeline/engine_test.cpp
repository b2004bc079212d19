// The engine under backpressure: a small memory budget and a commit thread
// slowed down on purpose, so the budget is full most of the time.
#include "pipeline/engine.hpp"

#include <gtest/gtest.h>

#include "support/scratch_directory.hpp"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace simingest {
namespace {


class EngineBackpressure : public ::testing::Test {
 protected:
  testing_support::ScratchDirectory scratch_;

  static std::string config(const std::string& backpressure) {
    // 64 KiB frames against a 1 MiB budget: a handful fit at once.
    return R"({"streams":{"f":{"columns":{"v":"float64"}}},"memoryLimit":1048576,"rowGroupBytes":65536,)"
           R"("workers":2,"backpressure":)" +
           backpressure + "}";
  }

  Status ingest_one(Engine& ingestor, int64_t step, std::string& message) {
    simingest_column column{"v", SIMINGEST_FLOAT64, values_.data(), values_.size()};
    return ingestor.ingest("f", step, static_cast<double>(step), &column, 1, false, message);
  }

  static nlohmann::json stats(const Engine& ingestor) { return nlohmann::json::parse(ingestor.stats_json()); }

  const std::string& root_ = scratch_.path();
  std::vector<double> values_ = std::vector<double>(8192, 1.5);
  EngineOptions slow_{/*commit_delay_ms=*/20};
};

TEST_F(EngineBackpressure, block_waits_for_room_and_commits_every_frame_within_the_budget) {
  auto ingestor = Engine::open(root_, config(R"("block")"), slow_);
  const auto started = std::chrono::steady_clock::now();
  std::string message;
  for (int step = 0; step < 40; ++step) ASSERT_EQ(ingest_one(*ingestor, step, message), Status::ok) << message;
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ingestor->flush();
  const auto s = stats(*ingestor);
  EXPECT_EQ(s["framesCommitted"], 40);
  EXPECT_EQ(s["framesDropped"], 0);
  EXPECT_EQ(s["framesRejected"], 0);
  EXPECT_LE(s["memoryPeak"].get<uint64_t>(), s["memoryLimit"].get<uint64_t>());
  EXPECT_GT(s["memoryPeak"].get<uint64_t>(), s["memoryLimit"].get<uint64_t>() / 2);
  // 40 frames cannot fit at once: the host waited for the slowed commit thread.
  EXPECT_GT(elapsed, std::chrono::milliseconds(100));
  ingestor->close();
}

TEST_F(EngineBackpressure, error_policy_fails_fast_and_counts_rejections) {
  auto ingestor = Engine::open(root_, config(R"("error")"), slow_);
  int refused = 0, accepted = 0;
  std::string message;
  for (int step = 0; step < 40; ++step) {
    const Status status = ingest_one(*ingestor, step, message);
    if (status == Status::backpressure) {
      ++refused;
      EXPECT_NE(message.find("memory budget full"), std::string::npos) << message;
    } else {
      ASSERT_EQ(status, Status::ok) << message;
      ++accepted;
    }
  }
  EXPECT_GT(refused, 0);
  ingestor->flush();
  const auto s = stats(*ingestor);
  EXPECT_EQ(s["framesRejected"], refused);
  EXPECT_EQ(s["framesCommitted"], accepted);
  EXPECT_LE(s["memoryPeak"].get<uint64_t>(), s["memoryLimit"].get<uint64_t>());
}

TEST_F(EngineBackpressure, drop_policy_accepts_and_counts_dropped_frames) {
  auto ingestor = Engine::open(root_, config(R"("drop")"), slow_);
  std::string message;
  for (int step = 0; step < 40; ++step) ASSERT_EQ(ingest_one(*ingestor, step, message), Status::ok) << message;
  ingestor->flush();
  const auto s = stats(*ingestor);
  EXPECT_EQ(s["framesAccepted"], 40);
  EXPECT_GT(s["framesDropped"].get<int>(), 0);
  EXPECT_EQ(s["framesCommitted"].get<int>() + s["framesDropped"].get<int>(), 40);
  EXPECT_EQ(s["framesInFlight"], 0);
  EXPECT_LE(s["memoryPeak"].get<uint64_t>(), s["memoryLimit"].get<uint64_t>());
}

// A frame the budget cannot take is still checked against nonFinite:
// "reject": a NaN is an error whether or not there was room for it, never a
// silently dropped (drop) or retryable (error) frame.
TEST_F(EngineBackpressure, a_rejected_nan_is_reported_even_when_the_budget_is_full) {
  for (const char* policy : {R"("drop")", R"("error")", R"({"policy":"block","timeoutMs":1})"}) {
    std::string text = config(policy);
    text.replace(text.find(R"("v":"float64")"), 13, R"("v":{"dtype":"float64","nonFinite":"reject"})");
    auto ingestor = Engine::open(root_ + "/" + std::to_string(std::hash<std::string>{}(policy)), text, slow_);
    std::string message;
    // Fill the budget until the policy gives up on a frame.
    int step = 0;
    for (; step < 200; ++step) {
      const Status status = ingest_one(*ingestor, step, message);
      if (status != Status::ok || stats(*ingestor)["framesDropped"].get<int>() > 0) break;
    }
    ASSERT_LT(step, 200) << policy << ": the budget never filled";
    std::vector<double> bad(values_);
    bad[4321] = std::nan("");
    simingest_column column{"v", SIMINGEST_FLOAT64, bad.data(), bad.size()};
    const auto before = stats(*ingestor);
    EXPECT_EQ(ingestor->ingest("f", 1000, 1000.0, &column, 1, false, message), Status::non_finite) << policy;
    EXPECT_NE(message.find("NaN at row 4321 rejected"), std::string::npos) << message;
    const auto after = stats(*ingestor);
    EXPECT_EQ(after["framesRejected"].get<int>(), before["framesRejected"].get<int>() + 1) << policy;
    EXPECT_EQ(after["framesDropped"], before["framesDropped"]) << policy;
    EXPECT_EQ(after["framesAccepted"], before["framesAccepted"]) << policy;
    ingestor->close();
  }
}

TEST_F(EngineBackpressure, block_with_timeout_gives_up_with_backpressure) {
  auto ingestor = Engine::open(root_, config(R"({"policy":"block","timeoutMs":1})"), EngineOptions{200});
  std::string message;
  Status last = Status::ok;
  for (int step = 0; step < 40 && last == Status::ok; ++step) last = ingest_one(*ingestor, step, message);
  EXPECT_EQ(last, Status::backpressure);
  EXPECT_NE(message.find("after waiting 1 ms"), std::string::npos) << message;
}

TEST_F(EngineBackpressure, refuses_a_frame_larger_than_the_whole_budget) {
  auto ingestor = Engine::open(root_, config(R"("block")"));
  std::vector<double> huge(1 << 18);  // 2 MiB of data, 1 MiB budget
  simingest_column column{"v", SIMINGEST_FLOAT64, huge.data(), huge.size()};
  std::string message;
  EXPECT_EQ(ingestor->ingest("f", 0, 0.0, &column, 1, false, message), Status::frame_too_large);
  EXPECT_NE(message.find("memoryLimit"), std::string::npos) << message;
}

TEST_F(EngineBackpressure, nowait_reports_would_block_instead_of_waiting) {
  auto ingestor = Engine::open(root_, config(R"("block")"), EngineOptions{200});
  std::string message;
  Status status = Status::ok;
  int step = 0;
  for (; step < 40 && status == Status::ok; ++step) {
    simingest_column column{"v", SIMINGEST_FLOAT64, values_.data(), values_.size()};
    status = ingestor->ingest("f", step, 0.0, &column, 1, true, message);
  }
  EXPECT_EQ(status, Status::would_block);
  const auto s = stats(*ingestor);
  EXPECT_EQ(s["framesAccepted"], step - 1);  // the refused frame was not accepted
  EXPECT_EQ(s["framesRejected"], 0);
}

// notify_room() answers "room" only once the frame that was refused fits: a
// frame of whole 2 MiB pages charges more than its bytes, and an answer given
// on the bytes alone sent an event-loop host round and round (room at once,
// WOULD_BLOCK again) until a frame left the budget.
TEST_F(EngineBackpressure, room_is_announced_only_when_the_refused_frame_fits) {
  // 3 MiB frames, each charged ~7.03 MiB (a buffer of two 2 MiB pages plus
  // the reserve for its pages), against a budget that leaves ~6.5 MiB free
  // once three are in: more than the frame's bytes and reserve (~6.03 MiB),
  // less than its charge. A slow commit keeps the budget full meanwhile.
  auto ingestor = Engine::open(
      root_, R"({"streams":{"f":{"columns":{"v":"float64"}}},"memoryLimit":28916288,"rowGroupBytes":3145728,)"
             R"("workers":2,"backpressure":"block"})",
      EngineOptions{100});
  std::vector<double> big(393216, 0.25);  // 3 MiB
  simingest_column column{"v", SIMINGEST_FLOAT64, big.data(), big.size()};
  std::string message;
  int step = 0;
  for (int round = 0; round < 4; ++round) {
    Status status = Status::ok;
    for (int guard = 0; guard < 100 && status == Status::ok; ++guard)
      if ((status = ingestor->ingest("f", step, 0.0, &column, 1, true, message)) == Status::ok) ++step;
    ASSERT_EQ(status, Status::would_block) << message;
    struct Room {
      std::mutex mutex;
      std::condition_variable told;
      bool done = false;
      simingest_status status = SIMINGEST_OK;
    } room;
    ingestor->notify_room(big.size() * sizeof(double), [](void* user, simingest_status answer) {
      auto* r = static_cast<Room*>(user);
      std::lock_guard<std::mutex> lock(r->mutex);
      r->status = answer;
      r->done = true;
      r->told.notify_all();
    }, &room);
    {
      std::unique_lock<std::mutex> lock(room.mutex);
      room.told.wait(lock, [&] { return room.done; });
    }
    ASSERT_EQ(room.status, SIMINGEST_OK);
    // Told "room": the very frame that was refused goes in now.
    EXPECT_EQ(ingestor->ingest("f", step, 0.0, &column, 1, true, message), Status::ok) << "round " << round << ": " << message;
    ++step;
  }
  EXPECT_EQ(stats(*ingestor)["framesAccepted"], step);
  ingestor->close();
}

}  // namespace
}  // namespace simingest
