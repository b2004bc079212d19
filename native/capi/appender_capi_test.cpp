// The appender through the C ABI as a host sees it (ADR 0021): rows keep
// their own step and time, in memory and once committed; hand-offs at the
// row bound, at partition boundaries and at flush; bad input refused with
// the status and a message naming the problem; a second thread refused with
// SIMINGEST_ERR_BUSY and nothing corrupted. Python and Node check the files
// with pyarrow and DuckDB (test/python, test/*.test.mts).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "simingest.h"

namespace {

namespace fs = std::filesystem;

constexpr int kValues = 8;

std::string config(int rows, const std::string& partition = "") {
  std::string columns;
  for (int j = 0; j < kValues; ++j) columns += std::string(j ? ", " : "") + "\"q" + std::to_string(j) + "\": \"float64\"";
  return std::string(R"({"streams": {"joints": {"columns": {)") + columns + R"(}, "appender": {"rows": )" +
         std::to_string(rows) + R"(, "intervalMs": 0})" + partition + R"(},
    "grid": {"columns": {"v": "float32"}, "grid": [2, 2]},
    "live": {"columns": {"v": "float64"}, "route": "realtime"},
    "checked": {"columns": {"a": "int32", "b": {"dtype": "float64", "nonFinite": "reject"}},
                "partition": {"time": 1.0}}},
    "workers": 2})";
}

struct Rows {
  std::vector<int64_t> steps;
  std::vector<double> times;
  std::vector<std::vector<double>> values;  // per column
};

double value_of(int64_t step, int column) { return static_cast<double>(step) * 1.5 + column / 7.0; }

class Dir {
 public:
  Dir() {
    std::string pattern = (fs::temp_directory_path() / "simingest-appender-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~Dir() { fs::remove_all(path); }
  std::string path;
};

simingest_ingestor* open_ingestor(const std::string& path, const std::string& json) {
  simingest_ingestor* ingestor = nullptr;
  char* error = nullptr;
  const simingest_status status = simingest_open(path.c_str(), json.c_str(), &ingestor, &error);
  EXPECT_EQ(status, SIMINGEST_OK) << (error ? error : "");
  simingest_free(error);
  return ingestor;
}

// Every row of `stream` as the query returns it.
Rows read_stream(ArrowArrayStream& stream) {
  Rows rows;
  rows.values.resize(kValues);
  for (;;) {
    ArrowArray batch{};
    EXPECT_EQ(stream.get_next(&stream, &batch), 0) << stream.get_last_error(&stream);
    if (batch.release == nullptr) break;
    const auto* steps = static_cast<const int64_t*>(batch.children[0]->buffers[1]);
    const auto* times = static_cast<const double*>(batch.children[1]->buffers[1]);
    for (int64_t r = 0; r < batch.length; ++r) {
      rows.steps.push_back(steps[batch.children[0]->offset + r]);
      rows.times.push_back(times[batch.children[1]->offset + r]);
      for (int j = 0; j < kValues; ++j) {
        const auto* v = static_cast<const double*>(batch.children[2 + j]->buffers[1]);
        rows.values[j].push_back(v[batch.children[2 + j]->offset + r]);
      }
    }
    batch.release(&batch);
  }
  stream.release(&stream);
  return rows;
}

Rows query_ingestor(simingest_ingestor* ingestor) {
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  ArrowArrayStream stream{};
  EXPECT_EQ(simingest_query(ingestor, "joints", &spec, &stream), SIMINGEST_OK) << simingest_last_error(ingestor);
  return read_stream(stream);
}

Rows query_dataset(const std::string& path) {
  simingest_dataset* dataset = nullptr;
  EXPECT_EQ(simingest_dataset_open(path.c_str(), &dataset, nullptr), SIMINGEST_OK);
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  ArrowArrayStream stream{};
  EXPECT_EQ(simingest_dataset_query(dataset, "joints", &spec, &stream), SIMINGEST_OK)
      << simingest_dataset_last_error(dataset);
  Rows rows = read_stream(stream);
  simingest_dataset_close(&dataset);
  return rows;
}

uint64_t bits(double value) {
  uint64_t out = 0;
  std::memcpy(&out, &value, 8);
  return out;
}

// Rows appended with steps `steps`, in order: step, time step/100, values value_of.
void expect_rows(const Rows& rows, const std::vector<int64_t>& steps) {
  ASSERT_EQ(rows.steps.size(), steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    ASSERT_EQ(rows.steps[i], steps[i]) << "row " << i;
    ASSERT_EQ(bits(rows.times[i]), bits(static_cast<double>(steps[i]) / 100)) << "row " << i;
    for (int j = 0; j < kValues; ++j) ASSERT_EQ(bits(rows.values[j][i]), bits(value_of(steps[i], j))) << "row " << i;
  }
}

simingest_status append(simingest_appender* appender, int64_t step) {
  double row[kValues];
  for (int j = 0; j < kValues; ++j) row[j] = value_of(step, j);
  return simingest_appender_append_row(appender, step, static_cast<double>(step) / 100, row);
}

nlohmann::json stream_stats(simingest_ingestor* ingestor, const char* stream) {
  char* text = nullptr;
  EXPECT_EQ(simingest_stats_json(ingestor, &text), SIMINGEST_OK);
  auto doc = nlohmann::json::parse(text);
  simingest_free(text);
  return doc["streams"][stream];
}

TEST(AppenderCapi, rows_keep_their_own_step_and_time_in_memory_and_once_committed) {
  Dir dir;
  simingest_ingestor* ingestor = open_ingestor(dir.path, config(1000));
  simingest_appender* appender = nullptr;
  ASSERT_EQ(simingest_appender_open(ingestor, "joints", &appender), SIMINGEST_OK) << simingest_last_error(ingestor);
  size_t row_bytes = 0;
  ASSERT_EQ(simingest_appender_row_bytes(appender, &row_bytes), SIMINGEST_OK);
  EXPECT_EQ(row_bytes, 8u * kValues);
  std::vector<int64_t> steps;
  for (int64_t s = 0; s < 2500; ++s) {
    const int64_t step = s * 3 - 40;  // negative steps too, not a multiple of anything
    ASSERT_EQ(append(appender, step), SIMINGEST_OK) << simingest_appender_last_error(appender);
    steps.push_back(step);
  }
  // Two hand-offs of 1000 rows happened at rows 1001 and 2001; 500 are pending.
  ASSERT_EQ(simingest_appender_flush(appender), SIMINGEST_OK);
  expect_rows(query_ingestor(ingestor), steps);  // the frames still in memory
  ASSERT_EQ(simingest_flush(ingestor), SIMINGEST_OK);
  expect_rows(query_ingestor(ingestor), steps);  // committed files
  const auto stats = stream_stats(ingestor, "joints");
  EXPECT_EQ(stats["framesAccepted"], 2500) << stats.dump();  // a row counts as a frame
  EXPECT_EQ(stats["framesCommitted"], 2500) << stats.dump();
  ASSERT_EQ(simingest_appender_close(&appender), SIMINGEST_OK);
  EXPECT_EQ(appender, nullptr);
  ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
  expect_rows(query_dataset(dir.path), steps);
}

TEST(AppenderCapi, a_row_of_another_partition_hands_the_pending_rows_off_first) {
  Dir dir;
  simingest_ingestor* ingestor = open_ingestor(dir.path, config(100000, R"(, "partition": {"steps": 100})"));
  simingest_appender* appender = nullptr;
  ASSERT_EQ(simingest_appender_open(ingestor, "joints", &appender), SIMINGEST_OK);
  std::vector<int64_t> steps;
  for (int64_t step = 0; step < 350; ++step) {
    ASSERT_EQ(append(appender, step), SIMINGEST_OK) << simingest_appender_last_error(appender);
    steps.push_back(step);
  }
  ASSERT_EQ(simingest_appender_close(&appender), SIMINGEST_OK);
  ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
  expect_rows(query_dataset(dir.path), steps);
  // One directory per partition: each hand-off held rows of one partition only.
  int partitions = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(dir.path) / "joints"))
    partitions += entry.is_directory() ? 1 : 0;
  EXPECT_EQ(partitions, 4);
}

TEST(AppenderCapi, closing_the_ingestor_hands_off_pending_rows_and_the_appender_then_reports_closed) {
  Dir dir;
  simingest_ingestor* ingestor = open_ingestor(dir.path, config(1000));
  simingest_appender* appender = nullptr;
  ASSERT_EQ(simingest_appender_open(ingestor, "joints", &appender), SIMINGEST_OK);
  std::vector<int64_t> steps;
  for (int64_t step = 0; step < 10; ++step) {
    ASSERT_EQ(append(appender, step), SIMINGEST_OK);
    steps.push_back(step);
  }
  ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
  EXPECT_EQ(append(appender, 10), SIMINGEST_ERR_CLOSED);
  EXPECT_STREQ(simingest_appender_last_error(appender), "appender: the ingestor is closed");
  EXPECT_EQ(simingest_appender_flush(appender), SIMINGEST_ERR_CLOSED);
  EXPECT_EQ(simingest_appender_close(&appender), SIMINGEST_OK);
  expect_rows(query_dataset(dir.path), steps);
}

TEST(AppenderCapi, refuses_bad_input_with_a_message_naming_the_problem) {
  Dir dir;
  simingest_ingestor* ingestor = open_ingestor(dir.path, config(1000));
  simingest_appender* appender = nullptr;
  EXPECT_EQ(simingest_appender_open(ingestor, "nope", &appender), SIMINGEST_ERR_UNKNOWN_STREAM);
  EXPECT_EQ(simingest_appender_open(ingestor, "grid", &appender), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(simingest_last_error(ingestor),
               "appender: stream \"grid\": a stream with a grid takes whole frames, not rows");
  EXPECT_EQ(simingest_appender_open(ingestor, "live", &appender), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simingest_last_error(ingestor)).find("route \"realtime\""), std::string::npos);
  EXPECT_EQ(simingest_appender_open(ingestor, "joints", nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(appender, nullptr);

  ASSERT_EQ(simingest_appender_open(ingestor, "checked", &appender), SIMINGEST_OK);
  size_t row_bytes = 0;
  ASSERT_EQ(simingest_appender_row_bytes(appender, &row_bytes), SIMINGEST_OK);
  EXPECT_EQ(row_bytes, 12u);  // int32 then float64, packed
  unsigned char row[12];
  const int32_t a = 7;
  double b = std::numeric_limits<double>::quiet_NaN();
  std::memcpy(row, &a, 4);
  std::memcpy(row + 4, &b, 8);
  EXPECT_EQ(simingest_appender_append_row(appender, 1, 0.5, row), SIMINGEST_ERR_NON_FINITE);
  EXPECT_STREQ(simingest_appender_last_error(appender),
               "stream \"checked\": appended row at step 1: column \"b\" is NaN but its nonFinite policy is \"reject\"");
  b = 2.0;
  std::memcpy(row + 4, &b, 8);
  EXPECT_EQ(simingest_appender_append_row(appender, 1, std::numeric_limits<double>::infinity(), row),
            SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simingest_appender_last_error(appender)).find("time must be finite"), std::string::npos);
  EXPECT_EQ(simingest_appender_append_row(appender, 1, 0.5, nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(simingest_appender_last_error(appender), "appender: values is NULL");
  EXPECT_EQ(simingest_appender_append_row(nullptr, 1, 0.5, row), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(simingest_appender_last_error(nullptr), "appender is NULL");

  // A flush with no rows is not an error and hands nothing over.
  EXPECT_EQ(simingest_appender_flush(appender), SIMINGEST_OK);
  EXPECT_EQ(stream_stats(ingestor, "checked")["framesAccepted"], 0);
  EXPECT_EQ(stream_stats(ingestor, "checked")["framesRejected"], 2);  // the NaN and the infinite time
  ASSERT_EQ(simingest_appender_append_row(appender, 1, 0.5, row), SIMINGEST_OK);
  ASSERT_EQ(simingest_appender_close(&appender), SIMINGEST_OK);
  EXPECT_EQ(stream_stats(ingestor, "checked")["framesAccepted"], 1);
  // After close the handle is NULL: a use of it is refused, not a crash.
  EXPECT_EQ(simingest_appender_append_row(appender, 2, 0.5, row), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(simingest_appender_close(&appender), SIMINGEST_OK);  // NULL: a no-op
  ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
}

// Two threads on one appender: every call either did its whole work (OK) or
// none of it (BUSY), so the dataset holds exactly the rows whose append
// returned OK, each with its own values. The threads go on until a few calls
// have been refused (a bounded number of tries: on two cores the calls
// overlap within thousands).
TEST(AppenderCapi, a_second_thread_is_refused_with_busy_and_nothing_is_corrupted) {
  Dir dir;
  simingest_ingestor* ingestor = open_ingestor(dir.path, config(4096));
  simingest_appender* appender = nullptr;
  ASSERT_EQ(simingest_appender_open(ingestor, "joints", &appender), SIMINGEST_OK);
  std::vector<int64_t> taken[2];
  std::atomic<int> busy_seen[2] = {{0}, {0}};
  std::atomic<bool> failed{false};
  auto run = [&](int t) {
    const int64_t base = t * 1000000000LL;
    for (int64_t i = 0; i < 2000000 && !failed; ++i) {
      if (busy_seen[0] + busy_seen[1] >= 4 && i > 1000) break;
      const simingest_status status = append(appender, base + i);
      if (status == SIMINGEST_OK) {
        taken[t].push_back(base + i);
      } else if (status == SIMINGEST_ERR_BUSY) {
        if (std::string(simingest_appender_last_error(appender)).find("in use by another thread") == std::string::npos)
          failed = true;
        ++busy_seen[t];
      } else {
        failed = true;
      }
    }
  };
  std::thread first(run, 0), second(run, 1);
  first.join();
  second.join();
  ASSERT_FALSE(failed);
  EXPECT_GT(busy_seen[0] + busy_seen[1], 0);
  ASSERT_EQ(simingest_appender_close(&appender), SIMINGEST_OK);
  ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
  // Rows of each thread in that thread's order; the two interleave.
  const Rows rows = query_dataset(dir.path);
  std::vector<int64_t> got[2];
  for (std::size_t i = 0; i < rows.steps.size(); ++i) {
    const int t = rows.steps[i] >= 1000000000LL ? 1 : 0;
    got[t].push_back(rows.steps[i]);
    ASSERT_EQ(bits(rows.times[i]), bits(static_cast<double>(rows.steps[i]) / 100));
    for (int j = 0; j < kValues; ++j) ASSERT_EQ(bits(rows.values[j][i]), bits(value_of(rows.steps[i], j)));
  }
  EXPECT_EQ(got[0], taken[0]);
  EXPECT_EQ(got[1], taken[1]);
}

TEST(AppenderCapi, append_rows_takes_many_rows_in_one_call_as_append_row_would) {
  Dir dir;
  simingest_ingestor* ingestor = open_ingestor(dir.path, config(1000));
  simingest_appender* appender = nullptr;
  ASSERT_EQ(simingest_appender_open(ingestor, "joints", &appender), SIMINGEST_OK);
  // 2500 rows in three calls (hand-offs fall inside the calls), laid out as
  // append_row takes a row: kValues float64 per row, packed.
  std::vector<int64_t> steps;
  std::vector<double> times, values;
  for (int64_t s = 0; s < 2500; ++s) {
    steps.push_back(s * 7 - 100);
    times.push_back(static_cast<double>(steps.back()) / 100);
    for (int j = 0; j < kValues; ++j) values.push_back(value_of(steps.back(), j));
  }
  size_t appended = 99;
  for (size_t begin : {size_t{0}, size_t{1}, size_t{1700}}) {
    const size_t end = begin == 0 ? 1 : begin == 1 ? 1700 : 2500;
    ASSERT_EQ(simingest_appender_append_rows(appender, end - begin, steps.data() + begin, times.data() + begin,
                                             values.data() + begin * kValues, &appended),
              SIMINGEST_OK)
        << simingest_appender_last_error(appender);
    EXPECT_EQ(appended, end - begin);
  }
  EXPECT_EQ(simingest_appender_append_rows(appender, 0, nullptr, nullptr, nullptr, &appended), SIMINGEST_OK);
  EXPECT_EQ(appended, 0u);
  ASSERT_EQ(simingest_appender_close(&appender), SIMINGEST_OK);
  ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
  expect_rows(query_dataset(dir.path), steps);
}

TEST(AppenderCapi, append_rows_stops_at_the_first_bad_row_and_names_it) {
  Dir dir;
  simingest_ingestor* ingestor = open_ingestor(dir.path, config(1000));
  simingest_appender* appender = nullptr;
  ASSERT_EQ(simingest_appender_open(ingestor, "joints", &appender), SIMINGEST_OK);
  std::vector<int64_t> steps = {0, 1, 2, 3, 4};
  std::vector<double> times = {0.0, 0.01, std::nan(""), 0.03, 0.04};  // row 2: a time that is not finite
  std::vector<double> values;
  for (int64_t step : steps)
    for (int j = 0; j < kValues; ++j) values.push_back(value_of(step, j));
  size_t appended = 99;
  EXPECT_EQ(simingest_appender_append_rows(appender, 5, steps.data(), times.data(), values.data(), &appended),
            SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(appended, 2u);
  EXPECT_NE(std::string(simingest_appender_last_error(appender)).find("row 2: "), std::string::npos)
      << simingest_appender_last_error(appender);
  EXPECT_EQ(simingest_appender_append_rows(appender, 1, nullptr, times.data(), values.data(), &appended),
            SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(appended, 0u);
  ASSERT_EQ(simingest_appender_close(&appender), SIMINGEST_OK);
  ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
  expect_rows(query_dataset(dir.path), {0, 1});  // the rows before the bad one, nothing after it
}

}  // namespace
