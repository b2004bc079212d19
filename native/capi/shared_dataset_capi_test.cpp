// A shared dataset through the C ABI (docs/adr/0020-shared-datasets.md): two
// ingestors of one process writing concurrently as writers 0 and 1, read back
// through simingest_dataset_query() and simingest_inspect_json() as one union.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "simingest.h"
#include "support/query_frames.hpp"
#include "support/scratch_directory.hpp"

namespace {

using nlohmann::json;
using simingest::query::testing::collect;
using simingest::query::testing::Collected;

constexpr int64_t kSteps = 200;
constexpr std::size_t kRows = 3;

std::string config(uint32_t id, uint32_t count) {
  return R"({"streams":{"table":{"columns":{"u":"float64"}}},"workers":1,"rowGroupBytes":4096,)"
         R"("writer":{"id":)" + std::to_string(id) + R"(,"count":)" + std::to_string(count) + "}}";
}

// The value of row `row` of writer `id`'s frame of `step`: unique per frame and row.
double value_of(uint32_t id, int64_t step, std::size_t row) {
  return static_cast<double>(id) * 1e6 + static_cast<double>(step) * 10 + static_cast<double>(row);
}

void write_steps(simingest_ingestor* ingestor, uint32_t id) {
  for (int64_t step = 0; step < kSteps; ++step) {
    double values[kRows];
    for (std::size_t row = 0; row < kRows; ++row) values[row] = value_of(id, step, row);
    const simingest_column column{"u", SIMINGEST_FLOAT64, values, kRows};
    ASSERT_EQ(simingest_ingest(ingestor, "table", step, 0.5 * static_cast<double>(step), &column, 1), SIMINGEST_OK)
        << simingest_last_error(ingestor);
    // Commits interleave with the other writer's.
    if (step % 25 == 24) {
      ASSERT_EQ(simingest_flush(ingestor), SIMINGEST_OK) << simingest_last_error(ingestor);
    }
  }
}

simingest_status open_writer(const std::string& path, uint32_t id, uint32_t count, simingest_ingestor** out,
                             std::string* message = nullptr) {
  char* error = nullptr;
  const simingest_status status = simingest_open(path.c_str(), config(id, count).c_str(), out, &error);
  if (message) *message = error ? error : "";
  simingest_free(error);
  return status;
}

// (step, u) of every row the stream returns.
std::vector<std::pair<int64_t, double>> rows_of(const std::string& path) {
  simingest_dataset* dataset = nullptr;
  char* error = nullptr;
  EXPECT_EQ(simingest_dataset_open(path.c_str(), &dataset, &error), SIMINGEST_OK) << (error ? error : "");
  simingest_free(error);
  const simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  ArrowArrayStream stream{};
  EXPECT_EQ(simingest_dataset_query(dataset, "table", &spec, &stream), SIMINGEST_OK)
      << simingest_dataset_last_error(dataset);
  const Collected got = collect(stream);
  simingest_dataset_close(&dataset);
  EXPECT_EQ(got.error, 0) << got.message;
  std::size_t step_column = 0, u_column = 0;
  for (std::size_t c = 0; c < got.schema.size(); ++c) {
    if (got.schema[c].second == "step") step_column = c;
    if (got.schema[c].second == "u") u_column = c;
  }
  std::vector<std::pair<int64_t, double>> rows(got.columns[step_column].size() / 8);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::memcpy(&rows[i].first, got.columns[step_column].data() + 8 * i, 8);
    std::memcpy(&rows[i].second, got.columns[u_column].data() + 8 * i, 8);
  }
  return rows;
}

json inspect(const std::string& path) {
  char* text = nullptr;
  char* error = nullptr;
  EXPECT_EQ(simingest_inspect_json(path.c_str(), &text, &error), SIMINGEST_OK) << (error ? error : "");
  const json out = text ? json::parse(text) : json();
  simingest_free(text);
  simingest_free(error);
  return out;
}

TEST(CapiSharedDataset, two_writers_writing_at_once_read_back_as_their_exact_union) {
  simingest::testing_support::ScratchDirectory scratch;
  const std::string path = scratch / "shared";
  simingest_ingestor* w0 = nullptr;
  simingest_ingestor* w1 = nullptr;
  ASSERT_EQ(open_writer(path, 0, 2, &w0), SIMINGEST_OK);
  ASSERT_EQ(open_writer(path, 1, 2, &w1), SIMINGEST_OK);
  std::thread first([&] { write_steps(w0, 0); });
  std::thread second([&] { write_steps(w1, 1); });
  first.join();
  second.join();
  ASSERT_EQ(simingest_close(&w0), SIMINGEST_OK);
  ASSERT_EQ(simingest_close(&w1), SIMINGEST_OK);

  std::map<double, int64_t> expected;  // u → step, every row of both writers
  for (uint32_t id = 0; id < 2; ++id)
    for (int64_t step = 0; step < kSteps; ++step)
      for (std::size_t row = 0; row < kRows; ++row) expected[value_of(id, step, row)] = step;
  std::map<double, int64_t> got;
  for (const auto& [step, u] : rows_of(path)) EXPECT_TRUE(got.emplace(u, step).second) << "twice: " << u;
  EXPECT_EQ(got, expected);

  const json report = inspect(path);
  EXPECT_EQ(report["manifestSource"], "writers");
  EXPECT_EQ(report["writers"]["count"], 2);
  EXPECT_EQ(report["writers"]["present"], 2);
  EXPECT_EQ(report["writers"]["jobDurableSteps"]["table"], kSteps - 1);
  EXPECT_EQ(report["streams"][0]["frames"], 2 * kSteps);
  for (const json& file : report["fileList"]) {
    const std::string file_path = file["path"];
    EXPECT_TRUE(file_path.rfind("writer=0/table/", 0) == 0 || file_path.rfind("writer=1/table/", 0) == 0) << file_path;
  }

  // verify checks every writer's manifest copies and every file of the union.
  char* text = nullptr;
  char* error = nullptr;
  ASSERT_EQ(simingest_verify_json(path.c_str(), &text, &error), SIMINGEST_OK) << (error ? error : "");
  const json verified = json::parse(text);
  simingest_free(text);
  EXPECT_EQ(verified["ok"], true);
  EXPECT_EQ(verified["manifestSource"], "writers");
  EXPECT_EQ(verified["filesChecked"], report["files"]);
  ASSERT_EQ(verified["manifests"].size(), 4u);
  EXPECT_EQ(verified["manifests"][2]["path"], "writer=1/_simingest/manifest.json");
}

TEST(CapiSharedDataset, the_job_checkpoint_waits_for_the_slowest_writer) {
  simingest::testing_support::ScratchDirectory scratch;
  const std::string path = scratch / "shared";
  simingest_ingestor* w0 = nullptr;
  simingest_ingestor* w1 = nullptr;
  ASSERT_EQ(open_writer(path, 0, 2, &w0), SIMINGEST_OK);
  write_steps(w0, 0);
  ASSERT_EQ(simingest_flush(w0), SIMINGEST_OK);
  EXPECT_TRUE(inspect(path)["writers"]["jobDurableSteps"]["table"].is_null());  // writer 1 has nothing yet
  ASSERT_EQ(open_writer(path, 1, 2, &w1), SIMINGEST_OK);
  const double value = 1;
  const simingest_column column{"u", SIMINGEST_FLOAT64, &value, 1};
  for (int64_t step = 0; step <= 7; ++step) ASSERT_EQ(simingest_ingest(w1, "table", step, 0, &column, 1), SIMINGEST_OK);
  ASSERT_EQ(simingest_flush(w1), SIMINGEST_OK);
  const json writers = inspect(path)["writers"];
  EXPECT_EQ(writers["jobDurableSteps"]["table"], 7);
  EXPECT_EQ(writers["writers"][0]["lastDurableSteps"]["table"], kSteps - 1);
  EXPECT_EQ(writers["writers"][1]["lastDurableSteps"]["table"], 7);
  ASSERT_EQ(simingest_close(&w0), SIMINGEST_OK);
  ASSERT_EQ(simingest_close(&w1), SIMINGEST_OK);
}

TEST(CapiSharedDataset, a_claimed_id_is_locked_and_a_changed_count_is_a_config_error) {
  simingest::testing_support::ScratchDirectory scratch;
  const std::string path = scratch / "shared";
  simingest_ingestor* w0 = nullptr;
  ASSERT_EQ(open_writer(path, 0, 2, &w0), SIMINGEST_OK);
  simingest_ingestor* again = nullptr;
  std::string message;
  EXPECT_EQ(open_writer(path, 0, 2, &again, &message), SIMINGEST_ERR_DATASET_LOCKED);
  EXPECT_NE(message.find("writer 0"), std::string::npos) << message;
  EXPECT_EQ(open_writer(path, 1, 3, &again, &message), SIMINGEST_ERR_CONFIG);
  EXPECT_NE(message.find("writer.count is 3"), std::string::npos) << message;
  EXPECT_NE(message.find("created for 2 writers"), std::string::npos) << message;
  char* error = nullptr;
  const std::string single = R"({"streams":{"table":{"columns":{"u":"float64"}}}})";
  EXPECT_EQ(simingest_open(path.c_str(), single.c_str(), &again, &error), SIMINGEST_ERR_CONFIG);
  EXPECT_NE(std::string(error ? error : "").find("shared by 2 writers"), std::string::npos);
  simingest_free(error);
  ASSERT_EQ(simingest_close(&w0), SIMINGEST_OK);
}

}  // namespace
