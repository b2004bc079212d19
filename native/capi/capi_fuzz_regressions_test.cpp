// Focused regression tests for what the fuzzers found (docs/FUZZING.md), as
// a C caller meets it. The inputs themselves stay in test/fuzz/corpus/ and
// are replayed by simingest_fuzz_replay.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "simingest.h"
#include "support/scratch_directory.hpp"

namespace {

using simingest::testing_support::ScratchDirectory;

nlohmann::json stats_of(simingest_ingestor* ingestor) {
  char* text = nullptr;
  EXPECT_EQ(simingest_stats_json(ingestor, &text), SIMINGEST_OK) << simingest_last_error(ingestor);
  nlohmann::json stats = nlohmann::json::parse(text ? text : "{}");
  simingest_free(text);
  return stats;
}

// fuzz_ingest, regression-time-partition-overflow: a finite time far from 0
// on a stream partitioned by time had a partition number outside int64; the
// conversion was undefined behaviour (UBSan: float-cast-overflow). Such a
// frame is now refused as an invalid argument naming the time.
TEST(CApiFuzzRegressions, time_beyond_the_last_time_partition_is_an_invalid_argument) {
  ScratchDirectory scratch;
  const char* config = R"({"streams": {
      "coarse": {"columns": {"x": "float64"}, "partition": {"time": 2.5}},
      "fine":   {"columns": {"x": "float64"}, "partition": {"time": 1e-300}}},
    "memoryLimit": 1048576, "workers": 1})";
  simingest_ingestor* ingestor = nullptr;
  char* error = nullptr;
  ASSERT_EQ(simingest_open((scratch / "ds").c_str(), config, &ingestor, &error), SIMINGEST_OK) << error;
  const double value = 1.0;
  const simingest_column column{"x", SIMINGEST_FLOAT64, &value, 1};

  for (double time : {1e300, -1e300, 2.5 * 9.3e18, 1.7976931348623157e308}) {
    EXPECT_EQ(simingest_ingest(ingestor, "coarse", 1, time, &column, 1), SIMINGEST_ERR_INVALID_ARGUMENT) << time;
    const std::string message = simingest_last_error(ingestor);
    EXPECT_NE(message.find("stream \"coarse\": time "), std::string::npos) << message;
    EXPECT_NE(message.find("beyond the last partition"), std::string::npos) << message;
  }
  // time / span overflows to infinity.
  EXPECT_EQ(simingest_ingest(ingestor, "fine", 1, 1e10, &column, 1), SIMINGEST_ERR_INVALID_ARGUMENT);

  // The last partitions on either side still take frames.
  EXPECT_EQ(simingest_ingest(ingestor, "coarse", 2, 2.5 * 9.2e18, &column, 1), SIMINGEST_OK)
      << simingest_last_error(ingestor);
  EXPECT_EQ(simingest_ingest(ingestor, "coarse", 3, -2.5 * 9.2e18, &column, 1), SIMINGEST_OK)
      << simingest_last_error(ingestor);
  EXPECT_EQ(simingest_ingest(ingestor, "fine", 4, 1e-290, &column, 1), SIMINGEST_OK)
      << simingest_last_error(ingestor);
  ASSERT_EQ(simingest_flush(ingestor), SIMINGEST_OK) << simingest_last_error(ingestor);
  const auto stats = stats_of(ingestor);
  EXPECT_EQ(stats["framesRejected"], 5);
  EXPECT_EQ(stats["framesCommitted"], 3);
  EXPECT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
}

}  // namespace
