// Several host threads ingesting into one stream at once, with a memory
// budget small enough that they wait on one another: every frame is
// committed, in each thread's call order, and the counters balance at every
// moment a sampler looks.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "simingest.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kThreads = 4;
constexpr int kFramesPerThread = 60;
constexpr std::size_t kRows = 8192;  // 8192 * (8 + 4) bytes = 96 KiB per frame

// 1 MiB budget against ~100 KiB frames and 4 producers: the block policy
// makes producers wait for the workers, which is the path worth racing.
constexpr const char* kConfig = R"({
  "streams": {"table": {"columns": {"id": "int64", "v": "float32"}}},
  "memoryLimit": 1048576,
  "rowGroupBytes": 262144,
  "fileBytes": 1048576,
  "workers": 2,
  "backpressure": {"policy": "block"}
})";

json parse_stats(simingest_ingestor* ingestor) {
  char* text = nullptr;
  if (simingest_stats_json(ingestor, &text) != SIMINGEST_OK) return json();
  json stats = json::parse(text);
  simingest_free(text);
  return stats;
}

// accepted = committed + dropped + inFlight, as docs/STATS.md promises at every moment.
::testing::AssertionResult counters_balance(const json& counters) {
  const int64_t accepted = counters["framesAccepted"];
  const int64_t committed = counters["framesCommitted"];
  const int64_t dropped = counters["framesDropped"];
  const int64_t in_flight = counters["framesInFlight"];
  if (accepted == committed + dropped + in_flight) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "accepted " << accepted << " != committed " << committed
                                       << " + dropped " << dropped << " + inFlight " << in_flight;
}

TEST(CApiThreads, four_threads_ingest_into_one_stream_and_every_frame_is_committed) {
  std::string dir = (fs::temp_directory_path() / "simingest-threads-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  simingest_ingestor* ingestor = nullptr;
  char* error = nullptr;
  ASSERT_EQ(simingest_open((dir + "/ds").c_str(), kConfig, &ingestor, &error), SIMINGEST_OK)
      << (error ? error : "");

  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int> samples{0};
  std::atomic<int64_t> peak_seen{0};
  std::string first_failure;
  std::thread sampler([&] {
    while (!done.load()) {
      const json stats = parse_stats(ingestor);
      if (stats.is_null() || !counters_balance(stats) ||
          !counters_balance(stats["streams"]["table"])) {
        if (failures.fetch_add(1) == 0) first_failure = stats.dump();
      } else {
        int64_t used = stats["memoryUsed"];
        if (used > peak_seen.load()) peak_seen = used;
        if (stats["memoryPeak"].get<int64_t>() > stats["memoryLimit"].get<int64_t>())
          if (failures.fetch_add(1) == 0) first_failure = stats.dump();
      }
      samples.fetch_add(1);
      std::this_thread::yield();
    }
  });

  std::vector<std::thread> producers;
  std::atomic<int> ingest_errors{0};
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      std::vector<int64_t> id(kRows);
      std::vector<float> v(kRows);
      for (int f = 0; f < kFramesPerThread; ++f) {
        const int64_t step = t * 1000 + f;  // thread t owns steps t*1000 ...
        for (std::size_t i = 0; i < kRows; ++i) {
          id[i] = step * 100000 + static_cast<int64_t>(i);
          v[i] = static_cast<float>(i) * 0.5f;
        }
        const simingest_column columns[] = {{"id", SIMINGEST_INT64, id.data(), kRows},
                                            {"v", SIMINGEST_FLOAT32, v.data(), kRows}};
        if (simingest_ingest(ingestor, "table", step, static_cast<double>(step), columns, 2) !=
            SIMINGEST_OK) {
          ADD_FAILURE() << "thread " << t << " frame " << f << ": "
                        << simingest_last_error(ingestor);
          ingest_errors.fetch_add(1);
          return;
        }
      }
    });
  }
  for (std::thread& producer : producers) producer.join();
  ASSERT_EQ(simingest_flush(ingestor), SIMINGEST_OK) << simingest_last_error(ingestor);
  done = true;
  sampler.join();

  EXPECT_EQ(ingest_errors.load(), 0);
  EXPECT_EQ(failures.load(), 0) << "first unbalanced sample: " << first_failure;
  EXPECT_GT(samples.load(), 0);
  EXPECT_LE(peak_seen.load(), 1048576);

  const json stats = parse_stats(ingestor);
  const int frames = kThreads * kFramesPerThread;
  EXPECT_EQ(stats["framesAccepted"], frames);
  EXPECT_EQ(stats["framesCommitted"], frames);
  EXPECT_EQ(stats["framesDropped"], 0);
  EXPECT_EQ(stats["framesInFlight"], 0);
  EXPECT_EQ(stats["framesRejected"], 0);
  EXPECT_EQ(stats["rowsCommitted"], static_cast<int64_t>(frames) * static_cast<int64_t>(kRows));
  EXPECT_EQ(stats["streams"]["table"]["framesCommitted"], frames);
  EXPECT_LE(stats["memoryPeak"].get<int64_t>(), 1048576);
  EXPECT_EQ(simingest_close(&ingestor), SIMINGEST_OK);

  // The manifest lists every frame once: row counts add up, and the files
  // hold the step ranges the four threads used and no other.
  std::ifstream in(fs::path(dir) / "ds" / "_simingest" / "manifest.json");
  const json manifest = json::parse(in);
  int64_t rows = 0, listed_frames = 0;
  for (const json& file : manifest["files"]) {
    rows += file["rows"].get<int64_t>();
    listed_frames += file["frames"].get<int64_t>();
    const int64_t lo = file["stepMin"], hi = file["stepMax"];
    EXPECT_TRUE(lo >= 0 && hi < (kThreads - 1) * 1000 + kFramesPerThread) << file.dump();
  }
  EXPECT_EQ(rows, static_cast<int64_t>(frames) * static_cast<int64_t>(kRows));
  EXPECT_EQ(listed_frames, frames);

  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

}  // namespace
