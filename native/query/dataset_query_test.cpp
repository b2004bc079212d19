// simingest_dataset_open / simingest_dataset_query through the C ABI only, as
// a host calls them: results compared byte for byte with the frames the test
// ingested, then every bad input of the contract.
#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "support/query_frames.hpp"
#include "simingest.h"

namespace simingest::query::testing {
namespace {

namespace fs = std::filesystem;
using testing_support::ScratchDirectory;

std::vector<std::string> names_of(const std::string& stream) {
  std::vector<std::string> out;
  for (const ColumnInfo& c : declared_columns(stream)) out.push_back(c.name);
  return out;
}

// One dataset for the whole suite (written once: it is only read).
class DatasetQuery : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new ScratchDirectory();
    path_ = scratch_->path() + "/ds";
    kept_ = new std::map<std::string, std::vector<KeptFrame>>();
    char* error = nullptr;
    simingest_ingestor* ingestor = nullptr;
    ASSERT_EQ(simingest_open(path_.c_str(), kConfig, &ingestor, &error), SIMINGEST_OK) << (error ? error : "");
    ingest_frames(ingestor, 0, kSteps, *kept_);
    ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
  }
  static void TearDownTestSuite() {
    delete kept_;
    delete scratch_;
  }

  void SetUp() override {
    char* error = nullptr;
    ASSERT_EQ(simingest_dataset_open(path_.c_str(), &dataset_, &error), SIMINGEST_OK) << (error ? error : "");
  }
  void TearDown() override { simingest_dataset_close(&dataset_); }

  Collected run(const char* stream, const simingest_query_spec& spec) {
    ArrowArrayStream out{};
    const simingest_status status = simingest_dataset_query(dataset_, stream, &spec, &out);
    EXPECT_EQ(status, SIMINGEST_OK) << simingest_dataset_last_error(dataset_);
    if (status != SIMINGEST_OK) return {};
    return collect(out);
  }

  void expect_result(const std::string& stream, const simingest_query_spec& spec, const Selection& selection,
                     const std::vector<std::string>& columns) {
    const Collected got = run(stream.c_str(), spec);
    ASSERT_EQ(got.error, 0) << got.message;
    ASSERT_EQ(got.schema.size(), columns.size() + 2);
    EXPECT_EQ(got.schema[0], (std::pair<std::string, std::string>{"l", "step"}));
    EXPECT_EQ(got.schema[1], (std::pair<std::string, std::string>{"g", "time"}));
    for (std::size_t c = 0; c < columns.size(); ++c) EXPECT_EQ(got.schema[c + 2].second, columns[c]);
    const auto want = expected(kept_->at(stream), selection, columns);
    ASSERT_GT(want[0].size(), 0u) << "the selection must not be empty to prove anything";
    for (std::size_t c = 0; c < want.size(); ++c)
      EXPECT_TRUE(got.columns[c] == want[c]) << "column " << c << ": " << got.columns[c].size() << " bytes, want "
                                             << want[c].size();
  }

  static constexpr int64_t kSteps = 64;
  static ScratchDirectory* scratch_;
  static std::string path_;
  static std::map<std::string, std::vector<KeptFrame>>* kept_;
  simingest_dataset* dataset_ = nullptr;
};

ScratchDirectory* DatasetQuery::scratch_ = nullptr;
std::string DatasetQuery::path_;
std::map<std::string, std::vector<KeptFrame>>* DatasetQuery::kept_ = nullptr;

TEST_F(DatasetQuery, returns_every_frame_of_a_grid_stream_with_its_scalar_per_row) {
  const simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  expect_result("fields", spec, {}, names_of("fields"));
  const Collected got = run("fields", spec);
  EXPECT_EQ(got.schema[2].first, "f");
  EXPECT_EQ(got.schema[3].first, "g");
  EXPECT_EQ(got.schema[4].first, "s");
  EXPECT_GT(got.batch_rows.size(), 7u);  // one batch per row group, over partitions and files
}

TEST_F(DatasetQuery, returns_a_variable_length_stream_of_every_dtype) {
  const simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  expect_result("table", spec, {}, names_of("table"));
  const Collected got = run("table", spec);
  std::vector<std::string> formats;
  for (std::size_t c = 2; c < got.schema.size(); ++c) formats.push_back(got.schema[c].first);
  EXPECT_EQ(formats, (std::vector<std::string>{"c", "S", "I", "l", "L", "f", "i", "C", "s", "g"}));
}

TEST_F(DatasetQuery, selects_a_step_range) {
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.has_steps = 1;
  spec.step_from = 17;
  spec.step_to = 41;
  Selection s;
  s.steps = {{17, 41}};
  expect_result("fields", spec, s, names_of("fields"));
  expect_result("table", spec, s, names_of("table"));
}

TEST_F(DatasetQuery, selects_a_time_range_inclusive_at_both_ends) {
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.has_time = 1;
  spec.time_from = 3.0;   // step 6
  spec.time_to = 20.5;    // step 41
  Selection s;
  s.time = {{3.0, 20.5}};
  expect_result("table", spec, s, names_of("table"));
}

TEST_F(DatasetQuery, every_is_anchored_at_the_first_step_of_the_range_or_at_zero) {
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.every = 5;
  Selection s;
  s.every = 5;
  expect_result("fields", spec, s, names_of("fields"));
  spec.has_steps = 1;
  spec.step_from = 3;
  spec.step_to = 60;
  s.steps = {{3, 60}};
  expect_result("fields", spec, s, names_of("fields"));
  spec.has_time = 1;
  spec.time_from = 10;
  spec.time_to = 25;
  s.time = {{10, 25}};
  expect_result("table", spec, s, names_of("table"));
}

TEST_F(DatasetQuery, returns_the_columns_asked_for_in_the_order_asked) {
  const char* columns[] = {"j", "a", "e"};
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.columns = columns;
  spec.ncolumns = 3;
  expect_result("table", spec, {}, {"j", "a", "e"});
  const char* level[] = {"level"};
  spec.columns = level;
  spec.ncolumns = 1;
  expect_result("fields", spec, {}, {"level"});
}

TEST_F(DatasetQuery, an_empty_column_list_returns_step_and_time_only) {
  const char* none[] = {nullptr};
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.columns = none;
  spec.ncolumns = 0;
  expect_result("fields", spec, {}, {});
}

TEST_F(DatasetQuery, batch_per_frame_gives_exactly_one_batch_per_frame) {
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.flags = SIMINGEST_QUERY_BATCH_PER_FRAME;
  for (const std::string stream : {"fields", "table"}) {
    const Collected got = run(stream.c_str(), spec);
    std::vector<uint64_t> frame_rows;
    const auto want = expected(kept_->at(stream), {}, names_of(stream), &frame_rows);
    EXPECT_EQ(got.batch_rows, frame_rows) << stream;  // frames without rows make no batch
    for (std::size_t c = 0; c < want.size(); ++c) EXPECT_TRUE(got.columns[c] == want[c]) << stream << " " << c;
  }
}

TEST_F(DatasetQuery, a_selection_matching_nothing_is_an_empty_stream_with_its_schema) {
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.has_steps = 1;
  spec.step_from = 1000;
  spec.step_to = 2000;
  const Collected got = run("fields", spec);
  EXPECT_EQ(got.error, 0);
  EXPECT_EQ(got.schema.size(), 5u);
  EXPECT_TRUE(got.batch_rows.empty());
}

TEST_F(DatasetQuery, lists_the_streams_and_their_schemas) {
  char* json = nullptr;
  ASSERT_EQ(simingest_dataset_streams_json(dataset_, &json), SIMINGEST_OK);
  const std::string text = json;
  simingest_free(json);
  EXPECT_NE(text.find(R"({"name":"fields","schema":{"columns":[{"name":"vx","dtype":"float32"})"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("grid":[4,8],"partition":{"steps":10}})"), std::string::npos) << text;
  EXPECT_NE(text.find(R"({"name":"table")"), std::string::npos) << text;
}

// ---- bad input ----------------------------------------------------------------

TEST_F(DatasetQuery, refuses_unknown_streams_and_columns_naming_them) {
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  ArrowArrayStream out{};
  EXPECT_EQ(simingest_dataset_query(dataset_, "nope", &spec, &out), SIMINGEST_ERR_UNKNOWN_STREAM);
  EXPECT_STREQ(simingest_dataset_last_error(dataset_), R"(query: unknown stream "nope" (the dataset holds: fields, table))");
  EXPECT_EQ(out.release, nullptr);
  const char* columns[] = {"vx", "vz"};
  spec.columns = columns;
  spec.ncolumns = 2;
  EXPECT_EQ(simingest_dataset_query(dataset_, "fields", &spec, &out), SIMINGEST_ERR_UNKNOWN_COLUMN);
  EXPECT_STREQ(simingest_dataset_last_error(dataset_), R"(stream "fields": query: unknown column "vz")");
  const char* twice[] = {"vx", "vx"};
  spec.columns = twice;
  EXPECT_EQ(simingest_dataset_query(dataset_, "fields", &spec, &out), SIMINGEST_ERR_UNKNOWN_COLUMN);
  EXPECT_STREQ(simingest_dataset_last_error(dataset_), R"(stream "fields": query: column "vx" is named twice)");
  const char* reserved[] = {"step"};
  spec.columns = reserved;
  spec.ncolumns = 1;
  EXPECT_EQ(simingest_dataset_query(dataset_, "fields", &spec, &out), SIMINGEST_ERR_UNKNOWN_COLUMN);
  EXPECT_EQ(out.release, nullptr);
}

TEST_F(DatasetQuery, refuses_inverted_and_nan_ranges_and_every_below_one) {
  ArrowArrayStream out{};
  auto refused = [&](const simingest_query_spec& spec, const std::string& message) {
    EXPECT_EQ(simingest_dataset_query(dataset_, "fields", &spec, &out), SIMINGEST_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(simingest_dataset_last_error(dataset_), message);
    EXPECT_EQ(out.release, nullptr);
  };
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.has_steps = 1;
  spec.step_from = 9;
  spec.step_to = 8;
  refused(spec, R"(stream "fields": query: inverted step range [9, 8]: from must be <= to)");
  spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.has_time = 1;
  spec.time_from = 2.5;
  spec.time_to = 1;
  refused(spec, R"(stream "fields": query: inverted time range [2.5, 1]: from must be <= to)");
  spec.time_from = std::nan("");
  refused(spec, R"(stream "fields": query: time range [NaN, 1]: both bounds must be finite numbers)");
  spec.time_from = 0;
  spec.time_to = std::numeric_limits<double>::infinity();
  refused(spec, R"(stream "fields": query: time range [0, inf]: both bounds must be finite numbers)");
  spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.every = 0;
  refused(spec, R"(stream "fields": query: every must be >= 1 but is 0)");
  spec.every = -3;
  refused(spec, R"(stream "fields": query: every must be >= 1 but is -3)");
}

TEST_F(DatasetQuery, refuses_a_malformed_spec_struct_and_null_arguments) {
  ArrowArrayStream out{};
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.struct_size = sizeof(spec) - 8;
  EXPECT_EQ(simingest_dataset_query(dataset_, "fields", &spec, &out), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simingest_dataset_last_error(dataset_)).find("spec.struct_size is " + std::to_string(sizeof(spec) - 8)),
            std::string::npos);
  spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.ncolumns = 2;  // columns NULL
  EXPECT_EQ(simingest_dataset_query(dataset_, "fields", &spec, &out), SIMINGEST_ERR_INVALID_ARGUMENT);
  const char* holes[] = {"vx", nullptr};
  spec.columns = holes;
  EXPECT_EQ(simingest_dataset_query(dataset_, "fields", &spec, &out), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(simingest_dataset_last_error(dataset_), "query: spec.columns[1] is NULL");
  spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.flags = 0x80;
  EXPECT_EQ(simingest_dataset_query(dataset_, "fields", &spec, &out), SIMINGEST_ERR_INVALID_ARGUMENT);
  spec = SIMINGEST_QUERY_SPEC_INIT;
  EXPECT_EQ(simingest_dataset_query(dataset_, "fields", nullptr, &out), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(simingest_dataset_query(dataset_, nullptr, &spec, &out), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(simingest_dataset_query(dataset_, "fields", &spec, nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(simingest_dataset_query(nullptr, "fields", &spec, &out), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out.release, nullptr);
  char* json = nullptr;
  EXPECT_EQ(simingest_dataset_streams_json(nullptr, &json), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(simingest_dataset_streams_json(dataset_, nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
}

TEST_F(DatasetQuery, stream_status_refuses_released_null_and_foreign_streams) {
  EXPECT_EQ(simingest_query_stream_status(nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  ArrowArrayStream foreign{};
  EXPECT_EQ(simingest_query_stream_status(&foreign), SIMINGEST_ERR_INVALID_ARGUMENT);
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  ArrowArrayStream out{};
  ASSERT_EQ(simingest_dataset_query(dataset_, "fields", &spec, &out), SIMINGEST_OK);
  EXPECT_EQ(simingest_query_stream_status(&out), SIMINGEST_OK);
  out.release(&out);
  EXPECT_EQ(simingest_query_stream_status(&out), SIMINGEST_ERR_INVALID_ARGUMENT);
}

TEST_F(DatasetQuery, a_batch_over_the_memory_limit_fails_the_stream_with_resource_limit) {
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.memory_limit = 1000;  // a fields frame alone is 32 rows * 30 bytes
  spec.flags = SIMINGEST_QUERY_BATCH_PER_FRAME;
  ArrowArrayStream out{};
  ASSERT_EQ(simingest_dataset_query(dataset_, "fields", &spec, &out), SIMINGEST_OK);
  ArrowArray first{};
  ASSERT_EQ(out.get_next(&out, &first), 0) << out.get_last_error(&out);  // 960 bytes fit
  ArrowArray second{};
  EXPECT_EQ(out.get_next(&out, &second), ENOMEM);
  EXPECT_EQ(second.release, nullptr);
  EXPECT_EQ(simingest_query_stream_status(&out), SIMINGEST_ERR_RESOURCE_LIMIT);
  EXPECT_STREQ(out.get_last_error(&out),
               "query: a batch of 960 bytes would exceed the query memory limit of 1000 bytes (960 bytes are held "
               "by batches not yet released): release batches before asking for the next, read with a scan, or "
               "raise queryMemoryLimit (memory_limit of the query spec)");
  EXPECT_EQ(out.get_next(&out, &second), ENOMEM);  // a failed stream stays failed
  first.release(&first);
  out.release(&out);
}

TEST_F(DatasetQuery, released_batches_make_room_under_the_memory_limit) {
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.memory_limit = 1000;
  spec.flags = SIMINGEST_QUERY_BATCH_PER_FRAME;
  ArrowArrayStream out{};
  ASSERT_EQ(simingest_dataset_query(dataset_, "fields", &spec, &out), SIMINGEST_OK);
  const Collected got = collect(out);  // releases each batch before the next
  EXPECT_EQ(got.error, 0) << got.message;
  EXPECT_EQ(got.batch_rows.size(), static_cast<std::size_t>(kSteps));
}

TEST_F(DatasetQuery, a_batch_outlives_its_stream_and_a_child_may_be_moved_out) {
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  ArrowArrayStream out{};
  ASSERT_EQ(simingest_dataset_query(dataset_, "fields", &spec, &out), SIMINGEST_OK);
  ArrowArray batch{};
  ASSERT_EQ(out.get_next(&out, &batch), 0);
  out.release(&out);
  ArrowArray moved = *batch.children[2];  // the C data interface's "move": copy, mark the source released
  batch.children[2]->release = nullptr;
  batch.release(&batch);
  ASSERT_NE(moved.release, nullptr);
  std::vector<uint8_t> vx(static_cast<const uint8_t*>(moved.buffers[1]),
                          static_cast<const uint8_t*>(moved.buffers[1]) + moved.length * 4);
  const auto& first = kept_->at("fields").front().columns.at("vx");
  EXPECT_TRUE(std::equal(first.begin(), first.end(), vx.begin()));
  moved.release(&moved);
  EXPECT_EQ(moved.release, nullptr);
}

// ---- datasets that are not (or no longer) readable ----------------------------

TEST(DatasetOpen, a_directory_without_a_manifest_is_io_naming_it) {
  ScratchDirectory scratch;
  simingest_dataset* dataset = nullptr;
  char* error = nullptr;
  EXPECT_EQ(simingest_dataset_open(scratch.path().c_str(), &dataset, &error), SIMINGEST_ERR_IO);
  EXPECT_EQ(dataset, nullptr);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("not a simingest dataset"), std::string::npos) << error;
  simingest_free(error);
  EXPECT_EQ(simingest_dataset_open((scratch.path() + "/missing").c_str(), &dataset, &error), SIMINGEST_ERR_IO);
  simingest_free(error);
  EXPECT_EQ(simingest_dataset_open(nullptr, &dataset, nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(simingest_dataset_open("", &dataset, nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(simingest_dataset_open(scratch.path().c_str(), nullptr, nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  simingest_dataset_close(nullptr);
  simingest_dataset_close(&dataset);
}

class DamagedDataset : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = scratch_.path() + "/ds";
    simingest_ingestor* ingestor = nullptr;
    ASSERT_EQ(simingest_open(path_.c_str(), kConfig, &ingestor, nullptr), SIMINGEST_OK);
    ingest_frames(ingestor, 0, 20, kept_);
    ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
  }
  void damage(const char* copy) {
    std::fstream file(path_ + "/_simingest/" + copy, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(10);
    file.write("XXXX", 4);
  }
  ScratchDirectory scratch_;
  std::string path_;
  std::map<std::string, std::vector<KeptFrame>> kept_;
};

TEST_F(DamagedDataset, both_manifest_copies_damaged_is_corrupt_at_open_and_at_query) {
  simingest_dataset* dataset = nullptr;
  ASSERT_EQ(simingest_dataset_open(path_.c_str(), &dataset, nullptr), SIMINGEST_OK);
  damage("manifest.json");
  // The backup still serves: the same frames.
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  ArrowArrayStream out{};
  ASSERT_EQ(simingest_dataset_query(dataset, "fields", &spec, &out), SIMINGEST_OK)
      << simingest_dataset_last_error(dataset);
  const Collected got = collect(out);
  EXPECT_TRUE(got.columns[2] == expected(kept_.at("fields"), {}, {"vx"})[2]);

  damage("manifest.bak.json");
  EXPECT_EQ(simingest_dataset_query(dataset, "fields", &spec, &out), SIMINGEST_ERR_CORRUPT);
  EXPECT_NE(std::string(simingest_dataset_last_error(dataset)).find("manifest"), std::string::npos);
  EXPECT_EQ(out.release, nullptr);
  char* json = nullptr;
  EXPECT_EQ(simingest_dataset_streams_json(dataset, &json), SIMINGEST_ERR_CORRUPT);
  simingest_dataset_close(&dataset);

  char* error = nullptr;
  EXPECT_EQ(simingest_dataset_open(path_.c_str(), &dataset, &error), SIMINGEST_ERR_CORRUPT);
  EXPECT_EQ(dataset, nullptr);
  simingest_free(error);
}

TEST_F(DamagedDataset, a_file_removed_after_the_query_began_fails_get_next_with_io) {
  simingest_dataset* dataset = nullptr;
  ASSERT_EQ(simingest_dataset_open(path_.c_str(), &dataset, nullptr), SIMINGEST_OK);
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  ArrowArrayStream out{};
  ASSERT_EQ(simingest_dataset_query(dataset, "fields", &spec, &out), SIMINGEST_OK);
  for (const auto& entry : fs::recursive_directory_iterator(path_ + "/fields"))
    if (entry.path().extension() == ".parquet") fs::remove(entry.path());
  const Collected got = collect(out);
  EXPECT_EQ(got.error, EIO);
  EXPECT_NE(got.message.find("No such file or directory"), std::string::npos) << got.message;
  EXPECT_NE(got.message.find("/fields/part=0/"), std::string::npos) << got.message;
  simingest_dataset_close(&dataset);
}

TEST_F(DamagedDataset, a_truncated_file_fails_get_next_with_a_typed_status_never_a_crash) {
  simingest_dataset* dataset = nullptr;
  ASSERT_EQ(simingest_dataset_open(path_.c_str(), &dataset, nullptr), SIMINGEST_OK);
  for (const auto& entry : fs::recursive_directory_iterator(path_ + "/table"))
    if (entry.path().extension() == ".parquet") fs::resize_file(entry.path(), fs::file_size(entry.path()) / 2);
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  ArrowArrayStream out{};
  ASSERT_EQ(simingest_dataset_query(dataset, "table", &spec, &out), SIMINGEST_OK);
  ArrowArray batch{};
  EXPECT_EQ(out.get_next(&out, &batch), EIO);
  EXPECT_EQ(simingest_query_stream_status(&out), SIMINGEST_ERR_CORRUPT) << out.get_last_error(&out);
  out.release(&out);
  simingest_dataset_close(&dataset);
}

TEST_F(DamagedDataset, a_live_reader_sees_each_new_commit) {
  simingest_dataset* dataset = nullptr;
  ASSERT_EQ(simingest_dataset_open(path_.c_str(), &dataset, nullptr), SIMINGEST_OK);
  simingest_ingestor* ingestor = nullptr;
  ASSERT_EQ(simingest_open(path_.c_str(), kConfig, &ingestor, nullptr), SIMINGEST_OK);
  ingest_frames(ingestor, 20, 6, kept_);
  ASSERT_EQ(simingest_flush(ingestor), SIMINGEST_OK);
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  ArrowArrayStream out{};
  ASSERT_EQ(simingest_dataset_query(dataset, "table", &spec, &out), SIMINGEST_OK);
  const Collected got = collect(out);
  const auto want = expected(kept_.at("table"), {}, names_of("table"));
  for (std::size_t c = 0; c < want.size(); ++c) EXPECT_TRUE(got.columns[c] == want[c]) << c;
  EXPECT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
  simingest_dataset_close(&dataset);
}

TEST(IngestorQuery, checks_its_arguments_before_the_engine_is_asked) {
  ScratchDirectory scratch;
  simingest_ingestor* ingestor = nullptr;
  ASSERT_EQ(simingest_open((scratch.path() + "/ds").c_str(), kConfig, &ingestor, nullptr), SIMINGEST_OK);
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  spec.struct_size = 8;
  ArrowArrayStream out{};
  EXPECT_EQ(simingest_query(ingestor, "fields", &spec, &out), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simingest_last_error(ingestor)).find("spec.struct_size is 8"), std::string::npos);
  EXPECT_EQ(simingest_query(nullptr, "fields", &spec, &out), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(simingest_query(ingestor, "fields", &spec, nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out.release, nullptr);
  EXPECT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
}

}  // namespace
}  // namespace simingest::query::testing
