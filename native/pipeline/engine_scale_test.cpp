// The engine at the scale limits (issue 10; docs/RELIABILITY.md, "Limits"):
// registering many new streams is one manifest commit, and matching a frame's
// columns is linear in their number, in declared order or not.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config_limits.hpp"
#include "pipeline/engine.hpp"
#include "storage/file_ops.hpp"
#include "support/fault_injecting_file_ops.hpp"
#include "support/scratch_directory.hpp"

namespace simingest {
namespace {

std::string config_with_streams(std::size_t count) {
  std::string streams;
  for (std::size_t i = 0; i < count; ++i)
    streams += (i ? ",\"s" : "\"s") + std::to_string(i) + R"(":{"columns":{"v":"float64"}})";
  return R"({"streams":{)" + streams + R"(},"workers":1})";
}

// Manifest renames (each one a commit: temporary written, fsynced, renamed,
// directory fsynced) while a dataset is opened with `streams` streams; with
// `reopen`, the dataset already knows them from an earlier open.
std::size_t manifest_commits_opening(std::size_t streams, bool reopen = false) {
  testing_support::ScratchDirectory scratch;
  if (reopen) Engine::open(scratch.path(), config_with_streams(streams))->close();
  testing_support::FaultInjectingFileOps ops(scratch.path());
  {
    storage::ScopedFileOps installed(ops);
    Engine::open(scratch.path(), config_with_streams(streams))->close();
  }
  const auto log = ops.log();
  return static_cast<std::size_t>(std::count_if(log.begin(), log.end(), [](const std::string& entry) {
    return entry.rfind("rename ", 0) == 0 && entry.find("manifest") != std::string::npos;
  }));
}

TEST(EngineScale, registering_two_thousand_new_streams_is_one_manifest_commit) {
  // Was one commit (four fsyncs) per stream: 10,000 streams did not open in 300 s.
  const std::size_t one = manifest_commits_opening(1);
  ASSERT_GT(one, 0u);
  EXPECT_EQ(manifest_commits_opening(2000), one);
}

TEST(EngineScale, reopening_with_known_streams_commits_no_more_than_with_one) {
  EXPECT_EQ(manifest_commits_opening(500, /*reopen=*/true), manifest_commits_opening(1, /*reopen=*/true));
}

TEST(EngineScale, a_frame_of_the_maximum_column_count_in_reverse_order_is_matched_linearly) {
  // 10,000 columns given last-to-first: quadratic matching was 5e7 name
  // comparisons (at 100,000 columns 5e9: 24.5 s a frame); a hash lookup is 1e4.
  const std::size_t n = kMaxColumnsPerStream;
  std::string columns;
  for (std::size_t i = 0; i < n; ++i) columns += (i ? ",\"c" : "\"c") + std::to_string(i) + R"(":"int8")";
  testing_support::ScratchDirectory scratch;
  auto engine = Engine::open(scratch.path(), R"({"streams":{"s":{"columns":{)" + columns + R"(}}},"workers":1})");
  std::vector<std::string> names(n);
  std::vector<int8_t> values(n);
  std::vector<simingest_column> frame(n);
  for (std::size_t i = 0; i < n; ++i) {
    names[i] = "c" + std::to_string(i);
    values[i] = static_cast<int8_t>(i % 100);
    const std::size_t at = n - 1 - i;  // reverse order
    frame[at] = simingest_column{names[i].c_str(), SIMINGEST_INT8, &values[i], SIMINGEST_SCALAR};
  }
  std::string message;
  for (int step = 0; step < 3; ++step)
    ASSERT_EQ(engine->ingest("s", step, step, frame.data(), n, false, message), Status::ok) << message;
  // A column given twice is still found out, by the index.
  frame[1] = frame[0];
  EXPECT_EQ(engine->ingest("s", 3, 3, frame.data(), n, false, message), Status::unknown_column);
  EXPECT_NE(message.find("given twice"), std::string::npos) << message;
  engine->flush();
  EXPECT_EQ(nlohmann::json::parse(engine->stats_json())["framesCommitted"], 3);
  engine->close();
}

}  // namespace
}  // namespace simingest
