// Scalar columns against the memory budget (issue 10, item 5): a scalar is
// charged as the rows it covers, so a scalar-only frame on a huge grid is
// refused at once instead of writing hundreds of MB past memoryLimit, and an
// admissible one stays within the budget and reads back as one value per row.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "pipeline/engine.hpp"
#include "support/plain_parquet_reader.hpp"
#include "support/scratch_directory.hpp"

namespace simingest {
namespace {

uint64_t bits_of(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

// Every regular file under `root` outside _simingest/, with its size.
std::vector<std::pair<std::string, uint64_t>> data_files(const std::string& root) {
  std::vector<std::pair<std::string, uint64_t>> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const std::string path = entry.path().string();
    if (entry.is_regular_file() && path.find("/_simingest/") == std::string::npos)
      files.emplace_back(path, entry.file_size());
  }
  return files;
}

TEST(EngineScalarBudget, scalar_only_frame_on_a_two_to_the_fortieth_grid_is_too_large) {
  // The issue's repro: was accepted, then wrote a 692-793 MB file with 1.1 GB
  // resident and memoryPeak 896 bytes.
  testing_support::ScratchDirectory scratch;
  auto ingestor = Engine::open(scratch.path(), R"({"streams":{"s":{"columns":{"p":"float64"},"grid":[1099511627775]}},)"
                                               R"("memoryLimit":1048576,"workers":1})");
  const double p = 1.0;
  simingest_column column{"p", SIMINGEST_FLOAT64, &p, SIMINGEST_SCALAR};
  std::string message;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(ingestor->ingest("s", 0, 0.0, &column, 1, false, message), Status::frame_too_large);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  EXPECT_NE(message.find("memoryLimit is 1.0 MiB"), std::string::npos) << message;
  ingestor->flush();
  const auto stats = nlohmann::json::parse(ingestor->stats_json());
  EXPECT_EQ(stats["framesRejected"], 1);
  EXPECT_EQ(stats["framesAccepted"], 0);
  ingestor->close();
  EXPECT_TRUE(data_files(scratch.path()).empty());
}

TEST(EngineScalarBudget, admitted_scalar_frames_stay_in_the_budget_and_read_back_per_row) {
  // 2^20 rows: two scalar float64 columns charge 16 MiB of expansion; with
  // step and time pages that fits a 24 MiB budget, one frame at a time.
  constexpr uint64_t kRows = uint64_t{1} << 20;
  testing_support::ScratchDirectory scratch;
  auto ingestor = Engine::open(
      scratch.path(), R"({"streams":{"s":{"columns":{"a":"float64","b":"float64"},"grid":[1048576]}},)"
                      R"("memoryLimit":25165824,"workers":1,"compression":{"codec":"none"}})");
  std::string message;
  for (int step = 0; step < 3; ++step) {
    const double a = 0.5 + step, b = -2.0 * step;
    simingest_column columns[2] = {{"a", SIMINGEST_FLOAT64, &a, SIMINGEST_SCALAR},
                                   {"b", SIMINGEST_FLOAT64, &b, SIMINGEST_SCALAR}};
    ASSERT_EQ(ingestor->ingest("s", step, step * 0.1, columns, 2, false, message), Status::ok) << message;
  }
  ingestor->flush();
  const auto stats = nlohmann::json::parse(ingestor->stats_json());
  EXPECT_EQ(stats["framesCommitted"], 3);
  EXPECT_LE(stats["memoryPeak"].get<uint64_t>(), stats["memoryLimit"].get<uint64_t>());
  // Each frame was charged its expansion (more than 16 MiB), not a few hundred bytes.
  EXPECT_GT(stats["memoryPeak"].get<uint64_t>(), uint64_t{16} << 20);
  ingestor->close();

  const auto files = data_files(scratch.path());
  ASSERT_EQ(files.size(), 1u);
  // Dictionary runs, never materialised: 3 x 2^20 rows of 4 columns in a few pages each.
  EXPECT_LT(files[0].second, uint64_t{64} << 10);
  const auto file = testing_support::read_plain_parquet(files[0].first);
  ASSERT_EQ(file.num_rows, static_cast<int64_t>(3 * kRows));
  const auto& a = file.columns.at("a");
  const auto& b = file.columns.at("b");
  const auto& step = file.columns.at("step");
  ASSERT_EQ(a.size(), 3 * kRows);
  ASSERT_EQ(b.size(), 3 * kRows);
  for (uint64_t row = 0; row < 3 * kRows; ++row) {
    const uint64_t s = row / kRows;
    ASSERT_EQ(step[row], s) << "row " << row;
    ASSERT_EQ(a[row], bits_of(0.5 + s)) << "row " << row;
    ASSERT_EQ(b[row], bits_of(-2.0 * s)) << "row " << row;
  }
}

}  // namespace
}  // namespace simingest
