// simingest_checkpoint() through the C ABI and simingest.hpp: the last
// durable step of each stream, null before any commit, errors for bad
// arguments, and a resumeFromStep open reporting the kept step.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <atomic>
#include <string>
#include <thread>

#include "simingest.h"
#include "simingest.hpp"
#include "support/scratch_directory.hpp"

namespace {

using nlohmann::json;

std::string config(const std::string& extra = "") {
  return R"({"streams":{"fields":{"columns":{"u":"float64"}},"diag":{"columns":{"e":"float64"}}},"workers":1)" + extra +
         "}";
}

json checkpoint_of(simingest_ingestor* ingestor) {
  char* text = nullptr;
  EXPECT_EQ(simingest_checkpoint(ingestor, &text), SIMINGEST_OK) << simingest_last_error(ingestor);
  const json out = json::parse(text);
  simingest_free(text);
  return out;
}

void ingest(simingest_ingestor* ingestor, const char* stream, int64_t step) {
  const double value = static_cast<double>(step);
  const simingest_column column{stream[0] == 'f' ? "u" : "e", SIMINGEST_FLOAT64, &value, SIMINGEST_SCALAR};
  ASSERT_EQ(simingest_ingest(ingestor, stream, step, value, &column, 1), SIMINGEST_OK) << simingest_last_error(ingestor);
}

TEST(CapiCheckpoint, reports_the_last_committed_step_per_stream_and_null_before_any) {
  simingest::testing_support::ScratchDirectory scratch;
  simingest_ingestor* ingestor = nullptr;
  ASSERT_EQ(simingest_open(scratch.path().c_str(), config().c_str(), &ingestor, nullptr), SIMINGEST_OK);
  EXPECT_EQ(checkpoint_of(ingestor), json::parse(R"({"fields":null,"diag":null})"));
  for (int64_t step = 0; step < 10; ++step) ingest(ingestor, "fields", step);
  ingest(ingestor, "diag", -3);
  ASSERT_EQ(simingest_flush(ingestor), SIMINGEST_OK);
  EXPECT_EQ(checkpoint_of(ingestor), json::parse(R"({"fields":9,"diag":-3})"));
  // Ingested but not flushed: not durable yet (nothing commits it before close).
  ingest(ingestor, "fields", 10);
  EXPECT_EQ(checkpoint_of(ingestor)["diag"], -3);

  EXPECT_EQ(simingest_checkpoint(nullptr, nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(simingest_checkpoint(ingestor, nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(simingest_last_error(ingestor), "out_json is NULL");
  ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);

  simingest::Ingestor resumed(scratch.path(), config(R"(,"resumeFromStep":4)"));
  const auto steps = resumed.checkpoint();
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps.at("fields"), std::optional<int64_t>(4));
  EXPECT_EQ(steps.at("diag"), std::optional<int64_t>(-3));
  EXPECT_EQ(json::parse(resumed.checkpoint_json())["fields"], 4);
  const json stats = json::parse(resumed.stats_json());
  EXPECT_EQ(stats["recovery"]["resumedFromStep"], 4);
  // The file of steps 0-9 straddles the step; close committed step 10 alone.
  EXPECT_EQ(stats["recovery"]["retired"].size(), 2u);
  resumed.close();
  EXPECT_THROW(resumed.checkpoint(), simingest::Error);
}

TEST(CapiCheckpoint, a_new_dataset_has_no_durable_step) {
  simingest::testing_support::ScratchDirectory scratch;
  simingest::Ingestor ingestor(scratch / "ds", config());
  const auto steps = ingestor.checkpoint();
  EXPECT_EQ(steps.at("fields"), std::nullopt);
  EXPECT_EQ(steps.at("diag"), std::nullopt);
}

TEST(CapiCheckpoint, readers_on_other_threads_see_it_only_move_forward_while_the_commit_thread_updates_it) {
  simingest::testing_support::ScratchDirectory scratch;
  simingest_ingestor* ingestor = nullptr;
  ASSERT_EQ(simingest_open(scratch.path().c_str(), config().c_str(), &ingestor, nullptr), SIMINGEST_OK);
  std::atomic<bool> done{false};
  std::atomic<int> regressions{0}, reads{0};
  std::thread reader([&] {
    int64_t last = -1;
    while (!done.load()) {
      char* text = nullptr;
      if (simingest_checkpoint(ingestor, &text) != SIMINGEST_OK) continue;
      const json value = json::parse(text)["fields"];
      simingest_free(text);
      const int64_t step = value.is_null() ? -1 : value.get<int64_t>();
      if (step < last) regressions.fetch_add(1);
      last = step;
      reads.fetch_add(1);
    }
  });
  for (int64_t step = 0; step < 200; ++step) {
    ingest(ingestor, "fields", step);
    if (step % 20 == 19) {
      EXPECT_EQ(simingest_flush(ingestor), SIMINGEST_OK);
    }
  }
  while (reads.load() < 10) std::this_thread::yield();
  done.store(true);
  reader.join();
  EXPECT_EQ(regressions.load(), 0);
  EXPECT_EQ(checkpoint_of(ingestor)["fields"], 199);
  ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
}

}  // namespace
