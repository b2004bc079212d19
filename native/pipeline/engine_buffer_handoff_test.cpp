// A host blocked for room is handed the buffer of a finished frame, warm:
// under backpressure "block" with the budget full, a recycled frame buffer
// goes to the waiting host (FrameAdmission::recycle, MemoryBudget::offer)
// instead of being freed and allocated afresh, which made the host fault in
// every page of a new buffer for every frame of a saturated run.
#include "pipeline/engine.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/scratch_directory.hpp"

namespace simingest {
namespace {

uint64_t pool_allocations(const Engine& ingestor) {
  uint64_t total = 0;
  const auto stats = nlohmann::json::parse(ingestor.stats_json());
  for (const auto& node : stats["numa"]["nodes"])
    total += node["poolAllocations"].get<uint64_t>();
  return total;
}

TEST(EngineBufferHandoff, a_host_blocked_for_room_reuses_finished_frames_buffers) {
  testing_support::ScratchDirectory scratch;
  // 1 MiB frames (a 2 MiB buffer each) against a 16 MiB budget, one frame per
  // row group, a commit thread slowed to 5 ms a row group: the host waits for
  // room for nearly every frame after the first few.
  auto ingestor = Engine::open(scratch.path(),
                               R"({"streams":{"f":{"columns":{"v":"float64"}}},"memoryLimit":16777216,)"
                               R"("rowGroupBytes":1048576,"workers":2,"backpressure":"block"})",
                               EngineOptions{5});
  std::vector<double> values(131072, 0.5);
  simingest_column column{"v", SIMINGEST_FLOAT64, values.data(), values.size()};
  std::string message;
  constexpr int kFrames = 60;
  for (int step = 0; step < kFrames; ++step)
    ASSERT_EQ(ingestor->ingest("f", step, step, &column, 1, false, message), Status::ok) << message;
  ingestor->flush();
  const auto stats = nlohmann::json::parse(ingestor->stats_json());
  EXPECT_EQ(stats["framesCommitted"], kFrames);
  EXPECT_LE(stats["memoryPeak"].get<uint64_t>(), stats["memoryLimit"].get<uint64_t>());
  // A budget's worth of frame buffers (8) is allocated, then reused: 8 here,
  // where freeing each finished buffer allocated 58 for the 60 frames.
  EXPECT_LT(pool_allocations(*ingestor), kFrames / 2) << "poolAllocations";
  ingestor->close();
}

}  // namespace
}  // namespace simingest
