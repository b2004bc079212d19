// Memory pressure: frames whose budget charge dwarfs their bytes, and many
// streams each holding a partial row group, must never leave a host waiting
// for room that only unsealed row groups hold.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/engine.hpp"
#include "support/deadline.hpp"
#include "support/scratch_directory.hpp"

namespace simingest {
namespace {

void within_a_minute(const char* what, const std::function<void()>& body) {
  testing_support::within(std::chrono::seconds(60), what, body);
}

// Eight streams s0..s7 of one float64 column, a 1 MiB budget and 64 MiB row groups.
std::string eight_streams(const std::string& backpressure) {
  std::string config = R"({"streams":{)";
  for (int s = 0; s < 8; ++s)
    config += (s ? "," : "") + std::string("\"s") + std::to_string(s) + R"(":{"columns":{"v":"float64"}})";
  return config + R"(},"memoryLimit":1048576,"rowGroupBytes":67108864,"workers":2,"backpressure":)" + backpressure + "}";
}

void ingest_into_each_stream(Engine& engine, int step, const std::vector<double>& values) {
  std::string message;
  for (int s = 0; s < 8; ++s) {
    const std::string name = "s" + std::to_string(s);
    const simingest_column column{"v", SIMINGEST_FLOAT64, values.data(), values.size()};
    ASSERT_EQ(engine.ingest(name.c_str(), step, step, &column, 1, false, message), Status::ok) << message;
  }
}

class EngineMemoryPressure : public ::testing::Test {
 protected:
  testing_support::ScratchDirectory scratch_;
  const std::string& root_ = scratch_.path();
};

TEST_F(EngineMemoryPressure, one_row_frames_commit_although_the_row_group_target_exceeds_the_budget) {
  // 64 MiB row groups of 72-byte frames would need far more than the 1 MiB budget.
  auto engine = Engine::open(root_, R"({"streams":{"d":{"columns":{"a":"float64","b":"float64","c":"float64"}}},)"
                                    R"("memoryLimit":1048576,"rowGroupBytes":67108864,"workers":2})");
  constexpr int kFrames = 20000;
  within_a_minute("ingesting one-row frames", [&] {
    std::string message;
    for (int step = 0; step < kFrames; ++step) {
      const double a = step, b = -step, c = 0.5 * step;
      const simingest_column columns[] = {{"a", SIMINGEST_FLOAT64, &a, SIMINGEST_SCALAR},
                                          {"b", SIMINGEST_FLOAT64, &b, SIMINGEST_SCALAR},
                                          {"c", SIMINGEST_FLOAT64, &c, SIMINGEST_SCALAR}};
      ASSERT_EQ(engine->ingest("d", step, step * 0.1, columns, 3, false, message), Status::ok) << message;
    }
    engine->flush();
  });
  const auto stats = nlohmann::json::parse(engine->stats_json());
  EXPECT_EQ(stats["framesCommitted"], kFrames);
  EXPECT_EQ(stats["rowsCommitted"], kFrames);
  EXPECT_LE(stats["memoryPeak"].get<uint64_t>(), stats["memoryLimit"].get<uint64_t>());
}

TEST_F(EngineMemoryPressure, many_streams_with_partial_row_groups_still_make_progress) {
  // Eight streams may each hold up to a quarter of the budget in an unsealed
  // row group: together more than all of it.
  auto engine = Engine::open(root_, eight_streams(R"("block")"));
  std::vector<double> values(512, 1.0);  // 4 KiB per frame
  within_a_minute("ingesting into eight streams", [&] {
    for (int step = 0; step < 400; ++step) {
      ingest_into_each_stream(*engine, step, values);
    }
    engine->flush();
  });
  const auto stats = nlohmann::json::parse(engine->stats_json());
  EXPECT_EQ(stats["framesCommitted"], 400 * 8);
  EXPECT_LE(stats["memoryPeak"].get<uint64_t>(), stats["memoryLimit"].get<uint64_t>());
}

TEST_F(EngineMemoryPressure, drop_policy_recovers_once_partial_row_groups_are_sealed) {
  // Under "drop" nobody waits; frames must not be dropped forever because
  // the budget is held by row groups that never fill (64 MiB target).
  auto engine = Engine::open(root_, eight_streams(R"("drop")"));
  std::vector<double> values(512, 1.0);
  const auto dropped = [&] { return nlohmann::json::parse(engine->stats_json())["framesDropped"].get<int>(); };
  int step = 0;
  // Phase 1: ingest until the budget is exhausted and frames are dropped.
  while (dropped() == 0 && step < 100000) ingest_into_each_stream(*engine, step++, values);
  ASSERT_GT(dropped(), 0) << "the 1 MiB budget never ran out";
  // Phase 2: without flush(), a frame must be accepted again once the
  // pipeline has sealed and committed what held the budget. The deadline
  // is generous for sanitizer builds; without the seal markers the frame
  // would be dropped forever.
  bool accepted = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!accepted && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const int before = dropped();
    std::string message;
    const simingest_column column{"v", SIMINGEST_FLOAT64, values.data(), values.size()};
    ASSERT_EQ(engine->ingest("s0", step++, 0, &column, 1, false, message), Status::ok) << message;
    accepted = dropped() == before;
  }
  EXPECT_TRUE(accepted) << "every frame was dropped for 30 s after the first pressure episode";
  engine->flush();
  const auto stats = nlohmann::json::parse(engine->stats_json());
  EXPECT_EQ(stats["framesCommitted"].get<int>() + stats["framesDropped"].get<int>(),
            stats["framesAccepted"].get<int>());
}

}  // namespace
}  // namespace simingest
