// The C ABI's contract as a caller sees it: every bad input returns its status
// and a message naming the problem, and leaves no trace of the frame in the
// dataset. Only simingest.h is used (plus nlohmann to read the stats and the
// manifest), exactly as a host would.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "simingest.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A grid stream (4x4, vx rejects NaN/Inf, vy allows them) and a table stream.
constexpr const char* kConfig = R"({
  "streams": {
    "fields": {
      "columns": {"vx": {"dtype": "float32", "nonFinite": "reject"}, "vy": "float32"},
      "grid": [4, 4],
      "partition": {"steps": 10}
    },
    "table": {
      "columns": {"a": "int32", "b": {"dtype": "float64", "nonFinite": "reject"}}
    }
  },
  "memoryLimit": 4194304,
  "workers": 2
})";

// A step no accepted frame uses: a rejected frame is always given this one.
constexpr int64_t kRejectedStep = 666;

std::string make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "simingest-capi-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

json read_json_file(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

json stats_of(simingest_ingestor* ingestor) {
  char* text = nullptr;
  EXPECT_EQ(simingest_stats_json(ingestor, &text), SIMINGEST_OK) << simingest_last_error(ingestor);
  if (!text) return json::object();
  json stats = json::parse(text);
  simingest_free(text);
  return stats;
}

simingest_column col(const char* name, simingest_dtype dtype, const void* data,
                     std::size_t length) {
  return simingest_column{name, dtype, data, length};
}

class CApiIngest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    path_ = dir_ + "/ds";
    char* error = nullptr;
    ASSERT_EQ(simingest_open(path_.c_str(), kConfig, &ingestor_, &error), SIMINGEST_OK)
        << (error ? error : "");
    ASSERT_NE(ingestor_, nullptr);
    for (int i = 0; i < 16; ++i) {
      vx_[i] = 0.5f * static_cast<float>(i);
      vy_[i] = -0.25f * static_cast<float>(i);
    }
  }

  void TearDown() override {
    EXPECT_EQ(simingest_close(&ingestor_), SIMINGEST_OK);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Ingests a frame that must be rejected with `status`; the message must
  // contain every one of `names`.
  void expect_rejected(simingest_status status, const char* stream,
                       std::vector<simingest_column> columns, std::vector<std::string> names) {
    const simingest_status got = simingest_ingest(ingestor_, stream, kRejectedStep, 6.66,
                                                  columns.data(), columns.size());
    EXPECT_EQ(got, status) << "got " << simingest_status_string(got) << ": "
                           << simingest_last_error(ingestor_);
    const std::string message = simingest_last_error(ingestor_);
    EXPECT_FALSE(message.empty());
    for (const std::string& name : names)
      EXPECT_NE(message.find(name), std::string::npos)
          << "message \"" << message << "\" does not name " << name;
    ++rejected_;
  }

  void ingest_good_fields(int64_t step) {
    simingest_column columns[] = {col("vx", SIMINGEST_FLOAT32, vx_, 16),
                                  col("vy", SIMINGEST_FLOAT32, vy_, 16)};
    ASSERT_EQ(simingest_ingest(ingestor_, "fields", step, 0.1 * step, columns, 2), SIMINGEST_OK)
        << simingest_last_error(ingestor_);
    ++accepted_;
    rows_ += 16;
  }

  // After the rejections: one good frame, a flush, and then the stats and the
  // dataset must show the good frames only.
  void expect_nothing_of_rejected_frames_written() {
    ingest_good_fields(1);
    ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK) << simingest_last_error(ingestor_);
    const json stats = stats_of(ingestor_);
    EXPECT_EQ(stats["framesRejected"], rejected_);
    EXPECT_EQ(stats["framesAccepted"], accepted_);
    EXPECT_EQ(stats["framesCommitted"], accepted_);
    EXPECT_EQ(stats["framesInFlight"], 0);
    EXPECT_EQ(stats["rowsCommitted"], rows_);

    const json manifest = read_json_file(fs::path(path_) / "_simingest" / "manifest.json");
    std::set<std::string> listed;
    for (const json& file : manifest["files"]) {
      listed.insert(file["path"].get<std::string>());
      EXPECT_FALSE(file["stepMin"].get<int64_t>() <= kRejectedStep &&
                   kRejectedStep <= file["stepMax"].get<int64_t>())
          << "a committed file covers the rejected step: " << file.dump();
    }
    // Every file in a stream directory is a committed, listed file.
    for (const char* stream : {"fields", "table"}) {
      const fs::path dir = fs::path(path_) / stream;
      if (!fs::exists(dir)) continue;
      for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        const std::string relative = fs::relative(entry.path(), path_).generic_string();
        EXPECT_EQ(listed.count(relative), 1u) << "unlisted file " << relative;
      }
    }
  }

  std::string dir_;
  std::string path_;
  simingest_ingestor* ingestor_ = nullptr;
  float vx_[16];
  float vy_[16];
  int rejected_ = 0;
  int accepted_ = 0;
  int64_t rows_ = 0;
};

// ---- null pointers --------------------------------------------------------------

TEST(CApiNullHandle, rejects_null_handle_in_every_function_and_reports_it_on_null) {
  const float v[16] = {};
  simingest_column columns[] = {col("vx", SIMINGEST_FLOAT32, v, 16)};
  EXPECT_EQ(simingest_ingest(nullptr, "fields", 0, 0.0, columns, 1),
            SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simingest_last_error(nullptr)).find("ingestor"), std::string::npos)
      << simingest_last_error(nullptr);
  EXPECT_EQ(simingest_ingest_nowait(nullptr, "fields", 0, 0.0, columns, 1),
            SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(simingest_flush(nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(simingest_notify_room(nullptr, 16, [](void*, simingest_status) {}, nullptr),
            SIMINGEST_ERR_INVALID_ARGUMENT);

  char* sentinel = reinterpret_cast<char*>(0x1);
  char* out = sentinel;
  EXPECT_EQ(simingest_stats_json(nullptr, &out), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out, sentinel) << "out-parameters are left untouched on failure";
  EXPECT_STRNE(simingest_last_error(nullptr), "");
}

TEST(CApiNullHandle, last_error_of_a_thread_without_failures_is_empty_not_null) {
  std::string message = "unset";
  std::thread([&] {
    const char* text = simingest_last_error(nullptr);
    message = text ? text : "(NULL)";
  }).join();
  EXPECT_EQ(message, "");
}

TEST(CApiNullHandle, close_of_null_and_of_pointer_to_null_is_a_no_op) {
  EXPECT_EQ(simingest_close(nullptr), SIMINGEST_OK);
  simingest_ingestor* none = nullptr;
  EXPECT_EQ(simingest_close(&none), SIMINGEST_OK);
  EXPECT_EQ(none, nullptr);
  simingest_free(nullptr);
}

TEST_F(CApiIngest, rejects_null_stream_name) {
  expect_rejected(SIMINGEST_ERR_INVALID_ARGUMENT, nullptr,
                  {col("vx", SIMINGEST_FLOAT32, vx_, 16), col("vy", SIMINGEST_FLOAT32, vy_, 16)},
                  {"stream"});
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_null_columns_with_nonzero_count) {
  EXPECT_EQ(simingest_ingest(ingestor_, "fields", kRejectedStep, 0.0, nullptr, 2),
            SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simingest_last_error(ingestor_)).find("columns"), std::string::npos)
      << simingest_last_error(ingestor_);
  ++rejected_;
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_null_data_with_nonzero_length) {
  expect_rejected(SIMINGEST_ERR_INVALID_ARGUMENT, "fields",
                  {col("vx", SIMINGEST_FLOAT32, nullptr, 16), col("vy", SIMINGEST_FLOAT32, vy_, 16)},
                  {"\"vx\""});
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_scalar_with_null_data) {
  const double b = 1.0;
  expect_rejected(SIMINGEST_ERR_INVALID_ARGUMENT, "table",
                  {col("a", SIMINGEST_INT32, nullptr, SIMINGEST_SCALAR),
                   col("b", SIMINGEST_FLOAT64, &b, SIMINGEST_SCALAR)},
                  {"\"a\""});
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_null_column_name) {
  expect_rejected(SIMINGEST_ERR_INVALID_ARGUMENT, "fields",
                  {col(nullptr, SIMINGEST_FLOAT32, vx_, 16), col("vy", SIMINGEST_FLOAT32, vy_, 16)},
                  {"name"});
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, accepts_null_data_for_an_empty_table_frame) {
  simingest_column columns[] = {col("a", SIMINGEST_INT32, nullptr, 0),
                                col("b", SIMINGEST_FLOAT64, nullptr, 0)};
  EXPECT_EQ(simingest_ingest(ingestor_, "table", 3, 0.3, columns, 2), SIMINGEST_OK)
      << simingest_last_error(ingestor_);
  ++accepted_;
  expect_nothing_of_rejected_frames_written();
}

// ---- names ------------------------------------------------------------------------

TEST_F(CApiIngest, rejects_stream_names_breaking_the_naming_rule) {
  const std::vector<simingest_column> columns = {col("vx", SIMINGEST_FLOAT32, vx_, 16),
                                                 col("vy", SIMINGEST_FLOAT32, vy_, 16)};
  expect_rejected(SIMINGEST_ERR_INVALID_ARGUMENT, "../fields", columns, {"\"../fields\""});
  expect_rejected(SIMINGEST_ERR_INVALID_ARGUMENT, "", columns, {"\"\""});
  expect_rejected(SIMINGEST_ERR_INVALID_ARGUMENT, "9fields", columns, {"\"9fields\""});
  const std::string long_name(65, 'f');
  expect_rejected(SIMINGEST_ERR_INVALID_ARGUMENT, long_name.c_str(), columns, {"stream"});
  // Control bytes are escaped, never echoed raw into a log line.
  expect_rejected(SIMINGEST_ERR_INVALID_ARGUMENT, "fie\nlds", columns, {"\\x0a"});
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_unknown_stream) {
  expect_rejected(SIMINGEST_ERR_UNKNOWN_STREAM, "nope",
                  {col("vx", SIMINGEST_FLOAT32, vx_, 16), col("vy", SIMINGEST_FLOAT32, vy_, 16)},
                  {"\"nope\""});
  EXPECT_FALSE(fs::exists(fs::path(path_) / "nope"));
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_unknown_column) {
  expect_rejected(SIMINGEST_ERR_UNKNOWN_COLUMN, "fields",
                  {col("vx", SIMINGEST_FLOAT32, vx_, 16), col("vy", SIMINGEST_FLOAT32, vy_, 16),
                   col("vz", SIMINGEST_FLOAT32, vy_, 16)},
                  {"\"fields\"", "\"vz\""});
  expect_rejected(SIMINGEST_ERR_UNKNOWN_COLUMN, "fields",
                  {col("vx", SIMINGEST_FLOAT32, vx_, 16), col("vz", SIMINGEST_FLOAT32, vy_, 16)},
                  {"\"vz\""});
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_reserved_or_invalid_column_names) {
  const int64_t steps[16] = {};
  for (const char* name : {"step", "time"}) {
    const std::vector<simingest_column> columns = {col("vx", SIMINGEST_FLOAT32, vx_, 16),
                                                   col("vy", SIMINGEST_FLOAT32, vy_, 16),
                                                   col(name, SIMINGEST_INT64, steps, 16)};
    const simingest_status status =
        simingest_ingest(ingestor_, "fields", kRejectedStep, 0.0, columns.data(), columns.size());
    EXPECT_TRUE(status == SIMINGEST_ERR_UNKNOWN_COLUMN || status == SIMINGEST_ERR_INVALID_ARGUMENT)
        << simingest_status_string(status);
    EXPECT_NE(std::string(simingest_last_error(ingestor_)).find(name), std::string::npos);
    ++rejected_;
  }
  expect_rejected(SIMINGEST_ERR_INVALID_ARGUMENT, "fields",
                  {col("vx", SIMINGEST_FLOAT32, vx_, 16), col("v-y", SIMINGEST_FLOAT32, vy_, 16)},
                  {"\"v-y\""});
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_duplicate_column) {
  expect_rejected(SIMINGEST_ERR_UNKNOWN_COLUMN, "fields",
                  {col("vx", SIMINGEST_FLOAT32, vx_, 16), col("vy", SIMINGEST_FLOAT32, vy_, 16),
                   col("vx", SIMINGEST_FLOAT32, vy_, 16)},
                  {"\"vx\""});
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_missing_column) {
  expect_rejected(SIMINGEST_ERR_MISSING_COLUMN, "fields", {col("vx", SIMINGEST_FLOAT32, vx_, 16)},
                  {"\"fields\"", "\"vy\""});
  expect_rejected(SIMINGEST_ERR_MISSING_COLUMN, "fields", {}, {"\"vx\""});
  expect_nothing_of_rejected_frames_written();
}

// ---- lengths, dtypes, values -------------------------------------------------------

TEST_F(CApiIngest, rejects_frame_with_mismatched_lengths) {
  const int32_t a[4] = {1, 2, 3, 4};
  const double b[3] = {1, 2, 3};
  expect_rejected(SIMINGEST_ERR_LENGTH_MISMATCH, "table",
                  {col("a", SIMINGEST_INT32, a, 4), col("b", SIMINGEST_FLOAT64, b, 3)},
                  {"\"table\"", "4", "3"});
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_arrays_that_do_not_match_the_grid) {
  expect_rejected(SIMINGEST_ERR_LENGTH_MISMATCH, "fields",
                  {col("vx", SIMINGEST_FLOAT32, vx_, 15), col("vy", SIMINGEST_FLOAT32, vy_, 15)},
                  {"\"fields\"", "16", "15"});
  expect_rejected(SIMINGEST_ERR_LENGTH_MISMATCH, "fields",
                  {col("vx", SIMINGEST_FLOAT32, vx_, 0), col("vy", SIMINGEST_FLOAT32, vy_, 0)},
                  {"16"});
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_frame_larger_than_the_whole_budget) {
  // 4 MiB budget; 400000 rows of int32 + float64 are 4.8 MB.
  const std::size_t rows = 400000;
  std::vector<int32_t> a(rows, 1);
  std::vector<double> b(rows, 1.0);
  expect_rejected(SIMINGEST_ERR_FRAME_TOO_LARGE, "table",
                  {col("a", SIMINGEST_INT32, a.data(), rows), col("b", SIMINGEST_FLOAT64, b.data(), rows)},
                  {"\"table\""});
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_lengths_whose_byte_size_overflows) {
  // length * element size wraps around to a few bytes: an engine that
  // multiplies without checking would copy 8 bytes and then read far beyond.
  const std::size_t huge = std::numeric_limits<std::size_t>::max() / 4 + 3;
  const int32_t a[4] = {};
  const double b[4] = {};
  const std::vector<simingest_column> columns = {col("a", SIMINGEST_INT32, a, huge),
                                                 col("b", SIMINGEST_FLOAT64, b, huge)};
  const simingest_status status =
      simingest_ingest(ingestor_, "table", kRejectedStep, 0.0, columns.data(), columns.size());
  EXPECT_TRUE(status == SIMINGEST_ERR_FRAME_TOO_LARGE || status == SIMINGEST_ERR_INVALID_ARGUMENT)
      << simingest_status_string(status) << ": " << simingest_last_error(ingestor_);
  EXPECT_STRNE(simingest_last_error(ingestor_), "");
  ++rejected_;
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_wrong_dtype) {
  const double vx64[16] = {};
  expect_rejected(SIMINGEST_ERR_DTYPE_MISMATCH, "fields",
                  {col("vx", SIMINGEST_FLOAT64, vx64, 16), col("vy", SIMINGEST_FLOAT32, vy_, 16)},
                  {"\"fields\"", "\"vx\"", "float32", "float64"});
  // A scalar of the wrong dtype as well.
  const int64_t a = 1;
  const double b = 1;
  expect_rejected(SIMINGEST_ERR_DTYPE_MISMATCH, "table",
                  {col("a", SIMINGEST_INT64, &a, SIMINGEST_SCALAR),
                   col("b", SIMINGEST_FLOAT64, &b, SIMINGEST_SCALAR)},
                  {"\"a\"", "int32", "int64"});
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_dtype_values_outside_the_enum) {
  for (int bad : {0, 11, 99, -1}) {
    const std::vector<simingest_column> columns = {
        col("vx", static_cast<simingest_dtype>(bad), vx_, 16), col("vy", SIMINGEST_FLOAT32, vy_, 16)};
    const simingest_status status =
        simingest_ingest(ingestor_, "fields", kRejectedStep, 0.0, columns.data(), columns.size());
    EXPECT_TRUE(status == SIMINGEST_ERR_DTYPE_MISMATCH || status == SIMINGEST_ERR_INVALID_ARGUMENT)
        << bad << ": " << simingest_status_string(status);
    const std::string message = simingest_last_error(ingestor_);
    EXPECT_NE(message.find("\"vx\""), std::string::npos) << message;
    EXPECT_NE(message.find(std::to_string(bad)), std::string::npos) << message;
    ++rejected_;
  }
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_nan_and_infinity_under_reject) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    float vx[16];
    std::copy(vx_, vx_ + 16, vx);
    vx[11] = bad;
    expect_rejected(SIMINGEST_ERR_NON_FINITE, "fields",
                    {col("vx", SIMINGEST_FLOAT32, vx, 16), col("vy", SIMINGEST_FLOAT32, vy_, 16)},
                    {"\"fields\"", "\"vx\""});
  }
  // A non-finite scalar under reject, too.
  const int32_t a = 1;
  const double b = std::numeric_limits<double>::quiet_NaN();
  expect_rejected(SIMINGEST_ERR_NON_FINITE, "table",
                  {col("a", SIMINGEST_INT32, &a, SIMINGEST_SCALAR),
                   col("b", SIMINGEST_FLOAT64, &b, SIMINGEST_SCALAR)},
                  {"\"b\""});
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, accepts_nan_and_infinity_under_allow) {
  float vy[16];
  std::copy(vy_, vy_ + 16, vy);
  vy[0] = std::numeric_limits<float>::quiet_NaN();
  vy[1] = std::numeric_limits<float>::infinity();
  vy[2] = -std::numeric_limits<float>::infinity();
  simingest_column columns[] = {col("vx", SIMINGEST_FLOAT32, vx_, 16),
                                col("vy", SIMINGEST_FLOAT32, vy, 16)};
  EXPECT_EQ(simingest_ingest(ingestor_, "fields", 2, 0.2, columns, 2), SIMINGEST_OK)
      << simingest_last_error(ingestor_);
  ++accepted_;
  rows_ += 16;
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, counts_rows_of_scalar_frames_by_grid_or_as_one) {
  const float vx = 1.f, vy = 2.f;
  simingest_column grid_columns[] = {col("vx", SIMINGEST_FLOAT32, &vx, SIMINGEST_SCALAR),
                                     col("vy", SIMINGEST_FLOAT32, &vy, SIMINGEST_SCALAR)};
  EXPECT_EQ(simingest_ingest(ingestor_, "fields", 4, 0.4, grid_columns, 2), SIMINGEST_OK)
      << simingest_last_error(ingestor_);
  const int32_t a = 7;
  const double b = 0.5;
  simingest_column table_columns[] = {col("a", SIMINGEST_INT32, &a, SIMINGEST_SCALAR),
                                      col("b", SIMINGEST_FLOAT64, &b, SIMINGEST_SCALAR)};
  EXPECT_EQ(simingest_ingest(ingestor_, "table", 4, 0.4, table_columns, 2), SIMINGEST_OK)
      << simingest_last_error(ingestor_);
  // A scalar mixed with an array takes the array's length.
  const double bs[3] = {1, 2, 3};
  simingest_column mixed[] = {col("a", SIMINGEST_INT32, &a, SIMINGEST_SCALAR),
                              col("b", SIMINGEST_FLOAT64, bs, 3)};
  EXPECT_EQ(simingest_ingest(ingestor_, "table", 5, 0.5, mixed, 2), SIMINGEST_OK)
      << simingest_last_error(ingestor_);
  accepted_ += 3;
  rows_ += 16 + 1 + 3;
  expect_nothing_of_rejected_frames_written();
  const json stats = stats_of(ingestor_);
  EXPECT_EQ(stats["streams"]["table"]["rowsCommitted"], 4);
  // bytesIn counts a scalar as one element.
  EXPECT_EQ(stats["streams"]["table"]["bytesIn"], (4 + 8) + (4 + 3 * 8));
}

TEST_F(CApiIngest, ingest_nowait_validates_like_ingest) {
  simingest_column columns[] = {col("vx", SIMINGEST_FLOAT32, vx_, 16)};
  EXPECT_EQ(simingest_ingest_nowait(ingestor_, "fields", kRejectedStep, 0.0, columns, 1),
            SIMINGEST_ERR_MISSING_COLUMN);
  EXPECT_NE(std::string(simingest_last_error(ingestor_)).find("\"vy\""), std::string::npos);
  ++rejected_;
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, last_error_belongs_to_the_calling_thread) {
  expect_rejected(SIMINGEST_ERR_UNKNOWN_STREAM, "nope", {}, {"\"nope\""});
  std::string other = "unset";
  std::thread([&] { other = simingest_last_error(ingestor_); }).join();
  EXPECT_EQ(other, "");
  EXPECT_NE(std::string(simingest_last_error(ingestor_)).find("\"nope\""), std::string::npos);
  expect_nothing_of_rejected_frames_written();
}

TEST_F(CApiIngest, rejects_null_stats_out_parameter_and_null_room_callback) {
  EXPECT_EQ(simingest_stats_json(ingestor_, nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_STRNE(simingest_last_error(ingestor_), "");
  EXPECT_EQ(simingest_notify_room(ingestor_, 16, nullptr, nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simingest_last_error(ingestor_)).find("callback"), std::string::npos);
}

TEST_F(CApiIngest, stats_hold_the_documented_counters_and_stages) {
  ingest_good_fields(0);
  ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK);
  const json stats = stats_of(ingestor_);
  for (const char* key : {"framesAccepted", "framesCommitted", "framesDropped", "framesInFlight",
                          "framesRejected", "rowsCommitted", "bytesIn", "bytesWritten",
                          "filesCommitted", "memoryUsed", "memoryPeak", "memoryLimit",
                          "queueDepth", "workers"})
    EXPECT_TRUE(stats.contains(key) && stats[key].is_number_integer()) << key;
  EXPECT_EQ(stats["memoryLimit"], 4194304);
  EXPECT_EQ(stats["workers"], 2);
  EXPECT_LE(stats["memoryPeak"].get<int64_t>(), stats["memoryLimit"].get<int64_t>());
  EXPECT_EQ(stats["bytesIn"], 2 * 16 * 4);
  EXPECT_EQ(stats["filesCommitted"], 1);
  for (const char* stage : {"queue", "validate", "stats", "encode", "compress", "write", "fsync"}) {
    ASSERT_TRUE(stats["stages"].contains(stage)) << stage;
    const json& s = stats["stages"][stage];
    EXPECT_GE(s["count"].get<int64_t>(), 1) << stage;
    EXPECT_EQ(s["histogram"].size(), 40u) << stage;
    int64_t in_histogram = 0;
    for (const json& n : s["histogram"]) in_histogram += n.get<int64_t>();
    EXPECT_EQ(in_histogram, s["count"].get<int64_t>()) << stage;
  }
}

// ---- open and configuration ---------------------------------------------------------

class CApiOpen : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Opens with `config`, which must fail with `status`; returns the message.
  std::string open_fails(const std::string& config, simingest_status status,
                         const std::string& path_suffix = "/ds") {
    simingest_ingestor* ingestor = reinterpret_cast<simingest_ingestor*>(0x1);
    char* error = nullptr;
    const simingest_status got =
        simingest_open((dir_ + path_suffix).c_str(), config.c_str(), &ingestor, &error);
    EXPECT_EQ(got, status) << simingest_status_string(got) << ": " << (error ? error : "");
    EXPECT_EQ(ingestor, nullptr) << "a failed open sets *out to NULL";
    if (got == SIMINGEST_OK) simingest_close(&ingestor);
    EXPECT_NE(error, nullptr);
    std::string message = error ? error : "";
    simingest_free(error);
    return message;
  }

  std::string dir_;
};

TEST_F(CApiOpen, rejects_malformed_json_naming_where) {
  const std::string message = open_fails("{\"streams\": {", SIMINGEST_ERR_CONFIG);
  EXPECT_NE(message.find("malformed JSON"), std::string::npos) << message;
  EXPECT_NE(message.find("byte"), std::string::npos) << message;
  open_fails("", SIMINGEST_ERR_CONFIG);
  open_fails("[]", SIMINGEST_ERR_CONFIG);
}

TEST_F(CApiOpen, rejects_unknown_config_key_naming_its_path) {
  std::string message = open_fails(
      R"({"streams":{"s":{"columns":{"a":"int32"}}},"rowGroupByte":4096})", SIMINGEST_ERR_CONFIG);
  EXPECT_EQ(message.rfind("rowGroupByte: ", 0), 0u) << message;
  message = open_fails(R"({"streams":{"s":{"columns":{"a":"int32"},"grids":[2]}}})",
                       SIMINGEST_ERR_CONFIG);
  EXPECT_EQ(message.rfind("streams.s.grids: ", 0), 0u) << message;
}

TEST_F(CApiOpen, rejects_unknown_dtype_with_the_exact_message) {
  const std::string message = open_fails(
      R"({"streams":{"fields":{"columns":{"vx":"float16"}}}})", SIMINGEST_ERR_CONFIG);
  EXPECT_EQ(message, "streams.fields.columns.vx: unknown dtype \"float16\"");
  EXPECT_FALSE(fs::exists(dir_ + "/ds/fields")) << "a bad config creates no stream directory";
}

TEST_F(CApiOpen, rejects_wrong_types_and_ranges_naming_the_key) {
  std::string message = open_fails(
      R"({"streams":{"s":{"columns":{"a":"int32"}}},"memoryLimit":"big"})", SIMINGEST_ERR_CONFIG);
  EXPECT_EQ(message.rfind("memoryLimit: ", 0), 0u) << message;
  message = open_fails(R"({"streams":{"s":{"columns":{"a":"int32"},"grid":[0,4]}}})",
                       SIMINGEST_ERR_CONFIG);
  EXPECT_EQ(message.rfind("streams.s.grid", 0), 0u) << message;
  message = open_fails(R"({"streams":{"a-b":{"columns":{"a":"int32"}}}})", SIMINGEST_ERR_CONFIG);
  EXPECT_NE(message.find("a-b"), std::string::npos) << message;
  message = open_fails(R"({"streams":{"s":{"columns":{"step":"int64"}}}})", SIMINGEST_ERR_CONFIG);
  EXPECT_NE(message.find("step"), std::string::npos) << message;
}

TEST_F(CApiOpen, rejects_null_arguments) {
  simingest_ingestor* ingestor = nullptr;
  char* error = nullptr;
  EXPECT_EQ(simingest_open(nullptr, kConfig, &ingestor, &error), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(ingestor, nullptr);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("path"), std::string::npos) << error;
  simingest_free(error);
  error = nullptr;
  EXPECT_EQ(simingest_open((dir_ + "/ds").c_str(), nullptr, &ingestor, &error),
            SIMINGEST_ERR_INVALID_ARGUMENT);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("config"), std::string::npos) << error;
  simingest_free(error);
  EXPECT_EQ(simingest_open((dir_ + "/ds").c_str(), kConfig, nullptr, nullptr),
            SIMINGEST_ERR_INVALID_ARGUMENT);
  // out_error is optional.
  EXPECT_EQ(simingest_open((dir_ + "/ds").c_str(), "{", &ingestor, nullptr), SIMINGEST_ERR_CONFIG);
  EXPECT_EQ(ingestor, nullptr);
}

TEST_F(CApiOpen, second_open_while_locked_fails_and_succeeds_after_close) {
  simingest_ingestor* first = nullptr;
  ASSERT_EQ(simingest_open((dir_ + "/ds").c_str(), kConfig, &first, nullptr), SIMINGEST_OK);
  const std::string message = open_fails(kConfig, SIMINGEST_ERR_DATASET_LOCKED);
  EXPECT_NE(message.find(dir_ + "/ds"), std::string::npos) << "names the dataset: " << message;
  ASSERT_EQ(simingest_close(&first), SIMINGEST_OK);
  EXPECT_EQ(first, nullptr);
  ASSERT_EQ(simingest_open((dir_ + "/ds").c_str(), kConfig, &first, nullptr), SIMINGEST_OK);
  EXPECT_EQ(simingest_close(&first), SIMINGEST_OK);
}

TEST_F(CApiOpen, reopen_appends_and_a_changed_schema_is_a_conflict) {
  const float v[16] = {};
  simingest_column columns[] = {col("vx", SIMINGEST_FLOAT32, v, 16),
                                col("vy", SIMINGEST_FLOAT32, v, 16)};
  for (int session = 0; session < 2; ++session) {
    simingest_ingestor* ingestor = nullptr;
    char* error = nullptr;
    ASSERT_EQ(simingest_open((dir_ + "/ds").c_str(), kConfig, &ingestor, &error), SIMINGEST_OK)
        << (error ? error : "");
    ASSERT_EQ(simingest_ingest(ingestor, "fields", session, 0.0, columns, 2), SIMINGEST_OK)
        << simingest_last_error(ingestor);
    ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
  }
  const json manifest = read_json_file(fs::path(dir_) / "ds" / "_simingest" / "manifest.json");
  std::set<int64_t> steps;
  for (const json& file : manifest["files"]) {
    EXPECT_TRUE(fs::exists(fs::path(dir_) / "ds" / file["path"].get<std::string>()));
    for (int64_t s = file["stepMin"]; s <= file["stepMax"].get<int64_t>(); ++s) steps.insert(s);
  }
  EXPECT_EQ(steps, (std::set<int64_t>{0, 1})) << manifest.dump();

  // Same stream, one more column: a different schema.
  const std::string changed = R"({"streams":{"fields":{"columns":{
      "vx":"float32","vy":"float32","p":"float32"},"grid":[4,4],"partition":{"steps":10}}}})";
  std::string message = open_fails(changed, SIMINGEST_ERR_SCHEMA_CONFLICT);
  EXPECT_NE(message.find("\"fields\""), std::string::npos) << message;
  // A changed grid or partitioning is a conflict too.
  const std::string regridded = R"({"streams":{"fields":{"columns":{
      "vx":"float32","vy":"float32"},"grid":[16],"partition":{"steps":10}}}})";
  open_fails(regridded, SIMINGEST_ERR_SCHEMA_CONFLICT);
  const std::string repartitioned = R"({"streams":{"fields":{"columns":{
      "vx":"float32","vy":"float32"},"grid":[4,4],"partition":{"steps":5}}}})";
  open_fails(repartitioned, SIMINGEST_ERR_SCHEMA_CONFLICT);
  // The failed opens left the lock free and the manifest as it was.
  const json after = read_json_file(fs::path(dir_) / "ds" / "_simingest" / "manifest.json");
  EXPECT_EQ(after["files"], manifest["files"]);
}

// ---- static functions ------------------------------------------------------------------

TEST(CApiStatus, every_status_has_its_own_description) {
  const simingest_status all[] = {
      SIMINGEST_OK, SIMINGEST_ERR_INVALID_ARGUMENT, SIMINGEST_ERR_CONFIG,
      SIMINGEST_ERR_UNKNOWN_STREAM, SIMINGEST_ERR_UNKNOWN_COLUMN, SIMINGEST_ERR_MISSING_COLUMN,
      SIMINGEST_ERR_LENGTH_MISMATCH, SIMINGEST_ERR_DTYPE_MISMATCH, SIMINGEST_ERR_NON_FINITE,
      SIMINGEST_ERR_BACKPRESSURE, SIMINGEST_ERR_FRAME_TOO_LARGE, SIMINGEST_ERR_SCHEMA_CONFLICT,
      SIMINGEST_ERR_IO, SIMINGEST_ERR_CLOSED, SIMINGEST_ERR_OUT_OF_MEMORY,
      SIMINGEST_ERR_DATASET_LOCKED, SIMINGEST_WOULD_BLOCK, SIMINGEST_ERR_NO_SPACE,
      SIMINGEST_ERR_CORRUPT, SIMINGEST_ERR_DATASET_LOST, SIMINGEST_ERR_RESOURCE_LIMIT,
      SIMINGEST_ERR_UNSAFE_LAYOUT, SIMINGEST_ERR_BUSY, SIMINGEST_ERR_BLOCK_MISMATCH, SIMINGEST_ERR_INTERNAL};
  std::set<std::string> seen;
  for (simingest_status status : all) {
    const char* text = simingest_status_string(status);
    ASSERT_NE(text, nullptr);
    EXPECT_STRNE(text, "") << status;
    EXPECT_STRNE(text, "unknown status") << status;
    EXPECT_TRUE(seen.insert(text).second) << "duplicate description " << text;
  }
  EXPECT_STREQ(simingest_status_string(SIMINGEST_ERR_UNKNOWN_STREAM), "unknown stream");
  for (int bad : {-1, 24, 50, 98, 100, 1 << 20})
    EXPECT_STREQ(simingest_status_string(static_cast<simingest_status>(bad)), "unknown status")
        << bad;
}

TEST(CApiVersion, runtime_version_matches_the_header) {
  EXPECT_STREQ(simingest_version(), SIMINGEST_VERSION_STRING);
  EXPECT_EQ(simingest_version_number(), static_cast<unsigned>(SIMINGEST_VERSION_NUMBER));
  EXPECT_EQ(SIMINGEST_VERSION_NUMBER, SIMINGEST_VERSION_MAJOR * 10000 +
                                          SIMINGEST_VERSION_MINOR * 100 + SIMINGEST_VERSION_PATCH);
  const std::string text = std::to_string(SIMINGEST_VERSION_MAJOR) + "." +
                           std::to_string(SIMINGEST_VERSION_MINOR) + "." +
                           std::to_string(SIMINGEST_VERSION_PATCH);
  EXPECT_EQ(text, SIMINGEST_VERSION_STRING);
}

}  // namespace
