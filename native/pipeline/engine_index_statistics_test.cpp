// stats() carries each stream's time-index statistics: the very document
// `inspect` prints for the stream (one implementation, read from the
// manifest entries the commit thread keeps), updated as files commit.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline/engine.hpp"
#include "storage/inspect_report.hpp"
#include "support/scratch_directory.hpp"

namespace simingest {
namespace {

using Json = nlohmann::json;

constexpr const char* kConfig =
    R"({"streams":{"f":{"columns":{"v":"float32"},"grid":[64]},"d":{"columns":{"e":"float64"}}},"workers":1})";

Json stream_index(const Engine& engine, const std::string& stream) {
  return Json::parse(engine.stats_json())["streams"][stream]["index"];
}

Json inspected_index(const std::string& root, const std::string& stream) {
  const Json report = Json::parse(storage::inspect_report_json(root));
  for (const Json& entry : report["streams"])
    if (entry["name"] == stream) return entry["index"];
  return Json();
}

void ingest(Engine& engine, int64_t step, double time) {
  std::vector<float> v(64);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(step) + 0.25f * static_cast<float>(i);
  const double e = -static_cast<double>(step);
  simingest_column field{"v", SIMINGEST_FLOAT32, v.data(), v.size()};
  simingest_column scalar{"e", SIMINGEST_FLOAT64, &e, 1};
  std::string message;
  ASSERT_EQ(engine.ingest("f", step, time, &field, 1, false, message), Status::ok) << message;
  ASSERT_EQ(engine.ingest("d", step, time, &scalar, 1, false, message), Status::ok) << message;
}

TEST(EngineIndexStatistics, stats_show_an_empty_index_before_any_commit) {
  testing_support::ScratchDirectory scratch;
  auto engine = Engine::open(scratch.path(), kConfig);
  ingest(*engine, 0, 0.0);  // in flight, not committed: not in the index
  const Json index = stream_index(*engine, "f");
  EXPECT_EQ(index["files"], 0);
  EXPECT_EQ(index["frames"], 0);
  EXPECT_TRUE(index["steps"].is_null());
  EXPECT_TRUE(index["averageTimeDelta"].is_null());
  EXPECT_TRUE(index["timeHistogram"].is_null());
  engine->close();
}

TEST(EngineIndexStatistics, stats_equal_inspect_after_each_commit_and_after_reopening) {
  testing_support::ScratchDirectory scratch;
  {
    auto engine = Engine::open(scratch.path(), kConfig);
    for (int64_t step = 0; step < 10; ++step) ingest(*engine, step, 0.5 * static_cast<double>(step));
    engine->flush();
    const Json first = stream_index(*engine, "f");
    EXPECT_EQ(first, inspected_index(scratch.path(), "f"));
    EXPECT_EQ(first["frames"], 10);
    EXPECT_EQ(first["rows"], 640);
    EXPECT_EQ(first["steps"], (Json{{"min", 0}, {"max", 9}}));
    EXPECT_EQ(first["time"], (Json{{"min", 0.0}, {"max", 4.5}}));
    EXPECT_DOUBLE_EQ(first["averageTimeDelta"].get<double>(), 0.5);
    // 20 bins over [0, 4.5]: frame k at 0.5 k lands in bin floor(k * 20 / 9), the last bin closed.
    std::vector<uint64_t> expected(20, 0);
    for (int k = 0; k < 10; ++k) expected[std::min(19, k * 20 / 9)] += 1;
    EXPECT_EQ(first["timeHistogram"]["counts"].get<std::vector<uint64_t>>(), expected);
    EXPECT_EQ(first["columns"][0]["name"], "v");
    EXPECT_EQ(first["columns"][0]["min"], 0.0);
    EXPECT_EQ(first["columns"][0]["max"], 9.0 + 0.25 * 63);
    EXPECT_EQ(stream_index(*engine, "d")["columns"][0]["min"], -9.0);

    for (int64_t step = 10; step < 15; ++step) ingest(*engine, step, 0.5 * static_cast<double>(step));
    engine->flush();
    const Json second = stream_index(*engine, "f");
    EXPECT_EQ(second, inspected_index(scratch.path(), "f"));
    EXPECT_EQ(second["frames"], 15);
    EXPECT_EQ(second["files"], 2);
    engine->close();
  }
  auto reopened = Engine::open(scratch.path(), kConfig);
  EXPECT_EQ(stream_index(*reopened, "f"), inspected_index(scratch.path(), "f"));
  EXPECT_EQ(stream_index(*reopened, "d"), inspected_index(scratch.path(), "d"));
  reopened->close();
}

}  // namespace
}  // namespace simingest
