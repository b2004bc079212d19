// Loaned frames through the C ABI (simingest.h "Loaned frames", ADR 0022):
// what a solver writes into the lent buffers is what the file holds, bit for
// bit (read back by the spec-only reader of test/support; pyarrow reads the
// same in test/python/test_python_loan.py); and every misuse is a typed
// status with a message naming it, never a crash or a corrupted frame.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simingest.h"
#include "support/plain_parquet_reader.hpp"
#include "support/sanitizers.hpp"
#include "support/scratch_directory.hpp"

namespace {

using nlohmann::json;

// Plain, uncompressed files, so the spec-only reader can read them back.
constexpr const char* kConfig = R"({
  "workers": 1, "commitIntervalMs": 0, "compression": {"codec": "none"},
  "streams": {
    "fields": {"columns": {"vx": {"dtype": "float32", "encoding": "plain"},
                           "id": {"dtype": "int64", "encoding": "plain"},
                           "p": {"dtype": "float64", "encoding": "plain", "nonFinite": "reject"}},
               "grid": [4, 3]},
    "probes": {"columns": {"v": {"dtype": "float64", "encoding": "plain"}}},
    "events": {"columns": {"e": "float64"}, "route": "realtime"}
  }
})";

class FrameLoan : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = scratch_.path() + "/ds";
    char* error = nullptr;
    ASSERT_EQ(simingest_open(path_.c_str(), kConfig, &ingestor_, &error), SIMINGEST_OK) << (error ? error : "");
  }
  void TearDown() override { simingest_close(&ingestor_); }

  json stats() {
    char* text = nullptr;
    EXPECT_EQ(simingest_stats_json(ingestor_, &text), SIMINGEST_OK);
    json out = json::parse(text);
    simingest_free(text);
    return out;
  }
  std::string error() const { return simingest_last_error(ingestor_); }

  // Begins a frame of "fields" at `step` and fills it with values of `step`.
  void fill(simingest_frame* frame, int64_t step) {
    void* data = nullptr;
    size_t length = 0;
    ASSERT_EQ(simingest_frame_column(frame, "vx", &data, &length), SIMINGEST_OK) << error();
    ASSERT_EQ(length, 12u);
    for (size_t i = 0; i < length; ++i) static_cast<float*>(data)[i] = 0.25f * i - step;
    ASSERT_EQ(simingest_frame_column(frame, "id", &data, &length), SIMINGEST_OK) << error();
    for (size_t i = 0; i < length; ++i) static_cast<int64_t*>(data)[i] = step * 1000 + i;
    ASSERT_EQ(simingest_frame_column(frame, "p", &data, &length), SIMINGEST_OK) << error();
    for (size_t i = 0; i < length; ++i) static_cast<double*>(data)[i] = std::ldexp(1.0 + i, -static_cast<int>(step));
  }

  simingest::testing_support::ScratchDirectory scratch_;
  std::string path_;
  simingest_ingestor* ingestor_ = nullptr;
};

uint64_t bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}
uint64_t bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, 8);
  return b;
}

std::vector<std::string> data_files(const std::string& root, const std::string& stream) {
  std::vector<std::string> files;
  if (!std::filesystem::exists(root + "/" + stream)) return files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root + "/" + stream))
    if (entry.is_regular_file() && entry.path().extension() == ".parquet") files.push_back(entry.path().string());
  return files;
}

TEST_F(FrameLoan, committed_frames_are_in_the_file_bit_exact_beside_ingested_ones) {
  simingest_frame* frame = nullptr;
  void* first_vx = nullptr;
  for (int64_t step = 0; step < 4; ++step) {
    if (step == 2) {  // a copied frame between loaned ones keeps its place in the order
      std::vector<float> vx(12);
      std::vector<int64_t> id(12);
      std::vector<double> p(12);
      for (size_t i = 0; i < 12; ++i) {
        vx[i] = 0.25f * i - step;
        id[i] = step * 1000 + i;
        p[i] = std::ldexp(1.0 + i, -static_cast<int>(step));
      }
      const simingest_column columns[] = {{"vx", SIMINGEST_FLOAT32, vx.data(), 12},
                                          {"id", SIMINGEST_INT64, id.data(), 12},
                                          {"p", SIMINGEST_FLOAT64, p.data(), 12}};
      ASSERT_EQ(simingest_ingest(ingestor_, "fields", step, step * 0.5, columns, 3), SIMINGEST_OK) << error();
      continue;
    }
    simingest_frame* const before = frame;
    ASSERT_EQ(simingest_frame_begin(ingestor_, "fields", step, step * 0.5, &frame), SIMINGEST_OK) << error();
    if (before != nullptr) {
      EXPECT_EQ(frame, before) << "an ended handle is reused, not reallocated";
    }
    fill(frame, step);
    size_t length = 0;
    void* vx = nullptr;
    ASSERT_EQ(simingest_frame_column(frame, "vx", &vx, &length), SIMINGEST_OK);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(vx) % 64, 0u);
    if (step == 0) first_vx = vx;
    ASSERT_EQ(simingest_frame_commit(frame), SIMINGEST_OK) << error();
    ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK);
    // Once encoded the buffer goes back to the pool and is lent again: the
    // engine's own memory, not a copy of anything the host holds.
    if (step == 1) {
      EXPECT_EQ(vx, first_vx);
    }
  }
  simingest_frame_free(&frame);
  EXPECT_EQ(frame, nullptr);
  const json s = stats();
  EXPECT_EQ(s["loans"]["begun"], 3);
  EXPECT_EQ(s["loans"]["committed"], 3);
  EXPECT_EQ(s["loans"]["open"], 0);
  EXPECT_EQ(s["streams"]["fields"]["framesCommitted"], 4);
  ASSERT_EQ(simingest_close(&ingestor_), SIMINGEST_OK);

  std::vector<uint64_t> vx, id, p, step_bits;
  for (const auto& file : data_files(path_, "fields")) {
    const auto read = simingest::testing_support::read_plain_parquet(file);
    const auto append = [](std::vector<uint64_t>& to, const std::vector<uint64_t>& from) {
      to.insert(to.end(), from.begin(), from.end());
    };
    append(vx, read.columns.at("vx"));
    append(id, read.columns.at("id"));
    append(p, read.columns.at("p"));
    append(step_bits, read.columns.at("step"));
  }
  ASSERT_EQ(vx.size(), 48u);
  // Files come in directory order: order the rows by step (each step's rows
  // are consecutive in one file, in grid order).
  std::vector<size_t> order(vx.size());
  for (size_t r = 0; r < order.size(); ++r) order[r] = r;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return step_bits[a] < step_bits[b]; });
  for (int64_t step = 0; step < 4; ++step)
    for (size_t i = 0; i < 12; ++i) {
      const size_t row = order[step * 12 + i];
      EXPECT_EQ(step_bits[row], static_cast<uint64_t>(step));
      EXPECT_EQ(vx[row], bits(0.25f * i - step)) << "row " << row;
      EXPECT_EQ(id[row], static_cast<uint64_t>(step * 1000 + i)) << "row " << row;
      EXPECT_EQ(p[row], bits(std::ldexp(1.0 + i, -static_cast<int>(step)))) << "row " << row;
    }
}

// The row group index records each frame's step and time range; a loaned
// frame's must be its own, or the next open finds the manifest inconsistent
// with the files (it did: ERR_CORRUPT, "steps 0..0" for frames at steps 1-3).
TEST_F(FrameLoan, loaned_frames_index_their_step_and_time_and_the_dataset_reopens) {
  simingest_frame* frame = nullptr;
  for (int64_t step = 1; step <= 3; ++step) {
    ASSERT_EQ(simingest_frame_begin(ingestor_, "fields", step, 0.29, &frame), SIMINGEST_OK) << error();
    fill(frame, step);
    ASSERT_EQ(simingest_frame_commit(frame), SIMINGEST_OK) << error();
  }
  simingest_frame_free(&frame);
  ASSERT_EQ(simingest_close(&ingestor_), SIMINGEST_OK);

  const json manifest = json::parse(std::ifstream(path_ + "/_simingest/manifest.json"));
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto& file : manifest["files"])
    for (const auto& group : file["rowGroupIndex"]) {
      lo = std::min(lo, group["stepMin"].get<int64_t>());
      hi = std::max(hi, group["stepMax"].get<int64_t>());
      EXPECT_EQ(group["timeMin"], 0.29);
      EXPECT_EQ(group["timeMax"], 0.29);
    }
  EXPECT_EQ(lo, 1);
  EXPECT_EQ(hi, 3);
  char* message = nullptr;
  ASSERT_EQ(simingest_open(path_.c_str(), kConfig, &ingestor_, &message), SIMINGEST_OK) << (message ? message : "");
}

TEST_F(FrameLoan, a_stream_without_grid_takes_its_row_count) {
  simingest_frame* frame = nullptr;
  EXPECT_EQ(simingest_frame_begin(ingestor_, "probes", 0, 0.0, &frame), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "stream \"probes\": the stream has no grid: pass the row count");
  EXPECT_EQ(frame, nullptr);
  ASSERT_EQ(simingest_frame_begin_rows(ingestor_, "probes", 0, 0.0, 5, &frame), SIMINGEST_OK) << error();
  void* data = nullptr;
  size_t length = 0;
  ASSERT_EQ(simingest_frame_column(frame, "v", &data, &length), SIMINGEST_OK);
  EXPECT_EQ(length, 5u);
  for (size_t i = 0; i < 5; ++i) static_cast<double*>(data)[i] = i;
  EXPECT_EQ(simingest_frame_commit(frame), SIMINGEST_OK);
  simingest_frame_free(&frame);
  EXPECT_EQ(simingest_frame_begin_rows(ingestor_, "fields", 0, 0.0, 5, &frame), SIMINGEST_ERR_LENGTH_MISMATCH);
  EXPECT_EQ(error(), "stream \"fields\": a loaned frame of 5 rows but the grid needs 12");
}

TEST_F(FrameLoan, committing_twice_is_refused_naming_the_frame) {
  simingest_frame* frame = nullptr;
  ASSERT_EQ(simingest_frame_begin(ingestor_, "fields", 7, 0.0, &frame), SIMINGEST_OK);
  fill(frame, 7);
  ASSERT_EQ(simingest_frame_commit(frame), SIMINGEST_OK);
  EXPECT_EQ(simingest_frame_commit(frame), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "loaned frame (stream \"fields\", step 7): cannot commit: it was already committed");
  void* data = nullptr;
  size_t length = 0;
  EXPECT_EQ(simingest_frame_column(frame, "vx", &data, &length), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "loaned frame (stream \"fields\", step 7): its columns are gone: it was committed");
  ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK);
  EXPECT_EQ(stats()["streams"]["fields"]["framesCommitted"], 1) << "the second commit wrote nothing";
  simingest_frame_free(&frame);
}

TEST_F(FrameLoan, aborting_after_commit_and_committing_after_abort_are_refused) {
  simingest_frame* frame = nullptr;
  ASSERT_EQ(simingest_frame_begin(ingestor_, "fields", 1, 0.0, &frame), SIMINGEST_OK);
  fill(frame, 1);
  ASSERT_EQ(simingest_frame_commit(frame), SIMINGEST_OK);
  EXPECT_EQ(simingest_frame_abort(frame), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "loaned frame (stream \"fields\", step 1): cannot abort: it was already committed");

  ASSERT_EQ(simingest_frame_begin(ingestor_, "fields", 2, 0.0, &frame), SIMINGEST_OK);
  const uint64_t used_while_open = stats()["memoryUsed"];
  ASSERT_EQ(simingest_frame_abort(frame), SIMINGEST_OK);
  EXPECT_EQ(simingest_frame_commit(frame), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "loaned frame (stream \"fields\", step 2): cannot commit: it was already aborted");
  EXPECT_EQ(simingest_frame_abort(frame), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "loaned frame (stream \"fields\", step 2): cannot abort: it was already aborted");
  ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK);
  const json s = stats();
  EXPECT_EQ(s["streams"]["fields"]["framesCommitted"], 1);
  EXPECT_EQ(s["loans"]["aborted"], 1);
  EXPECT_LT(s["memoryUsed"].get<uint64_t>(), used_while_open) << "the aborted loan's reservation is released";
  simingest_frame_free(&frame);
}

TEST_F(FrameLoan, an_undeclared_column_is_refused_by_name) {
  simingest_frame* frame = nullptr;
  ASSERT_EQ(simingest_frame_begin(ingestor_, "fields", 3, 0.0, &frame), SIMINGEST_OK);
  void* data = reinterpret_cast<void*>(0x1);
  size_t length = 99;
  EXPECT_EQ(simingest_frame_column(frame, "vy", &data, &length), SIMINGEST_ERR_UNKNOWN_COLUMN);
  EXPECT_EQ(error(), "loaned frame (stream \"fields\", step 3): unknown column \"vy\"");
  EXPECT_EQ(data, reinterpret_cast<void*>(0x1)) << "out-parameters untouched on failure";
  EXPECT_EQ(length, 99u);
  EXPECT_EQ(simingest_frame_column_at(frame, 3, nullptr, nullptr, &data, &length), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "loaned frame (stream \"fields\", step 3): column index 3 is past its 3 columns");
  const char* name = nullptr;
  simingest_dtype dtype{};
  ASSERT_EQ(simingest_frame_column_at(frame, 1, &name, &dtype, &data, &length), SIMINGEST_OK);
  EXPECT_STREQ(name, "id");
  EXPECT_EQ(dtype, SIMINGEST_INT64);
  EXPECT_EQ(simingest_frame_abort(frame), SIMINGEST_OK);
  simingest_frame_free(&frame);
}

TEST_F(FrameLoan, a_non_finite_value_is_refused_at_commit_and_the_frame_ends) {
  simingest_frame* frame = nullptr;
  ASSERT_EQ(simingest_frame_begin(ingestor_, "fields", 4, 0.0, &frame), SIMINGEST_OK);
  fill(frame, 4);
  void* data = nullptr;
  size_t length = 0;
  ASSERT_EQ(simingest_frame_column(frame, "p", &data, &length), SIMINGEST_OK);
  static_cast<double*>(data)[5] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(simingest_frame_commit(frame), SIMINGEST_ERR_NON_FINITE);
  EXPECT_NE(error().find("loaned frame (stream \"fields\", step 4): stream \"fields\": column \"p\""),
            std::string::npos)
      << error();
  EXPECT_EQ(simingest_frame_commit(frame), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(),
            "loaned frame (stream \"fields\", step 4): cannot commit: its commit was refused and its buffer given back");
  ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK);
  const json s = stats();
  EXPECT_EQ(s["streams"]["fields"]["framesCommitted"], 0);
  EXPECT_EQ(s["streams"]["fields"]["framesRejected"], 1);
  EXPECT_EQ(s["loans"]["refused"], 1);
  simingest_frame_free(&frame);
}

TEST_F(FrameLoan, a_realtime_stream_lends_no_frames) {
  simingest_frame* frame = nullptr;
  EXPECT_EQ(simingest_frame_begin_rows(ingestor_, "events", 0, 0.0, 1, &frame), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "stream \"events\": loaned frames take the batch route only; this stream is routed "
                     "\"realtime\": use ingest()");
  EXPECT_EQ(frame, nullptr);
  EXPECT_EQ(simingest_frame_begin(ingestor_, "nope", 0, 0.0, &frame), SIMINGEST_ERR_UNKNOWN_STREAM);
  EXPECT_EQ(error(), "unknown stream \"nope\"");
}

TEST_F(FrameLoan, an_open_handle_cannot_begin_again) {
  simingest_frame* frame = nullptr;
  ASSERT_EQ(simingest_frame_begin(ingestor_, "fields", 5, 0.0, &frame), SIMINGEST_OK);
  EXPECT_EQ(simingest_frame_begin(ingestor_, "fields", 6, 0.0, &frame), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "loaned frame (stream \"fields\", step 5): still open: commit or abort it before beginning "
                     "another with its handle");
  EXPECT_EQ(simingest_frame_abort(frame), SIMINGEST_OK);
  simingest_frame_free(&frame);
}

TEST_F(FrameLoan, a_leaked_frame_is_reclaimed_at_close_and_a_later_commit_is_refused) {
  simingest_frame* leaked = nullptr;
  simingest_frame* freed_open = nullptr;
  ASSERT_EQ(simingest_frame_begin(ingestor_, "fields", 8, 0.0, &leaked), SIMINGEST_OK);
  ASSERT_EQ(simingest_frame_begin(ingestor_, "fields", 9, 0.0, &freed_open), SIMINGEST_OK);
  EXPECT_EQ(stats()["loans"]["open"], 2);
  simingest_frame_free(&freed_open);  // freed while open: given back, counted leaked
  const json s = stats();
  EXPECT_EQ(s["loans"]["open"], 1);
  EXPECT_EQ(s["loans"]["leaked"], 1);
  ASSERT_EQ(simingest_close(&ingestor_), SIMINGEST_OK);
  EXPECT_EQ(simingest_frame_commit(leaked), SIMINGEST_ERR_CLOSED);
  EXPECT_STREQ(simingest_last_error(nullptr), "loaned frame (stream \"fields\", step 8): cannot commit: its "
                                              "ingestor was closed, which reclaimed the buffer");
  EXPECT_EQ(simingest_frame_abort(leaked), SIMINGEST_ERR_CLOSED);
  void* data = nullptr;
  size_t length = 0;
  EXPECT_EQ(simingest_frame_column(leaked, "vx", &data, &length), SIMINGEST_ERR_CLOSED);
  simingest_frame_free(&leaked);
  EXPECT_TRUE(data_files(path_, "fields").empty()) << "nothing of either frame was written";
}

// Writing past a column's length is undefined behaviour (simingest.h); in an
// AddressSanitizer build the gaps between columns are poisoned, so ASan
// reports the write instead of it silently landing in the next column.
TEST(FrameLoanDeathTest, a_write_past_a_column_is_reported_by_address_sanitizer) {
  if (!simingest::testing_support::kAddressSanitizer) GTEST_SKIP() << "only an ASan build detects it";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  simingest::testing_support::ScratchDirectory scratch;
  const std::string path = scratch.path() + "/ds";
  EXPECT_DEATH(
      {
        simingest_ingestor* ingestor = nullptr;
        simingest_open(path.c_str(), kConfig, &ingestor, nullptr);
        simingest_frame* frame = nullptr;
        simingest_frame_begin(ingestor, "fields", 0, 0.0, &frame);
        void* data = nullptr;
        size_t length = 0;
        simingest_frame_column(frame, "vx", &data, &length);
        volatile float* vx = static_cast<float*>(data);
        vx[length] = 1.0f;  // one past the end
      },
      "use-after-poison");
}

}  // namespace
