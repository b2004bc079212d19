// simingest_dataset_subscribe(): following a stream's realtime log on disk,
// the way another process does (the writer here is an ingestor of this
// process, but the tail reads nothing but the files). Frames arrive exactly
// once, bit-exact, across segments; a block the file ends inside is waited
// for; damage ends the subscription with ERR_CORRUPT naming the file; a
// segment unlinked after the tail opened it stays readable; segments retired
// before the tail listed them end it with ERR_BACKPRESSURE, no duplicate.
// Polling is tested on query::LogTail.
// The tests wait on the recorder's condition variable, never on a clock.
#include <gtest/gtest.h>

#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "query/dataset_reader.hpp"
#include "query/log_tail.hpp"
#include "simingest.h"
#include "storage/avro_container.hpp"
#include "storage/avro_log_scan.hpp"
#include "storage/realtime_log_files.hpp"
#include "subscription_recorder_test_support.hpp"
#include "support/scratch_directory.hpp"

namespace {

using simingest::testing_support::Received;
using simingest::testing_support::Recorder;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
void write_bytes(const std::string& path, const std::string& bytes, std::ios::openmode mode = std::ios::trunc) {
  std::ofstream out(path, std::ios::binary | mode);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class DatasetSubscribe : public ::testing::Test {
 protected:
  void open_writer(const std::string& codec = "zstandard") {
    const std::string config =
        R"({"workers":1,"streams":{"diag":{"columns":{"e":"float64","n":"int32","u":"uint16"},"route":"realtime",)"
        R"("realtime":{"syncEveryMs":5,"compact":false,"codec":")" + codec + R"("}},"bulk":{"columns":{"x":"float32"}}}})";
    char* error = nullptr;
    ASSERT_EQ(simingest_open(scratch_.path().c_str(), config.c_str(), &ingestor_, &error), SIMINGEST_OK)
        << (error ? error : "");
  }
  void close_writer() { simingest_close(&ingestor_); }
  void TearDown() override {
    if (subscription_ != nullptr) simingest_unsubscribe(&subscription_);
    simingest_close(&ingestor_);
    simingest_dataset_close(&dataset_);
  }

  // Step s: e = [s, s + 0.5, -s / 3], n = -s, u = s % 65536.
  void ingest(int64_t step) {
    const double e[3] = {static_cast<double>(step), step + 0.5, -static_cast<double>(step) / 3};
    const int32_t n = static_cast<int32_t>(-step);
    const uint16_t u = static_cast<uint16_t>(step);
    const simingest_column columns[3] = {{"n", SIMINGEST_INT32, &n, SIMINGEST_SCALAR},
                                         {"e", SIMINGEST_FLOAT64, e, 3},
                                         {"u", SIMINGEST_UINT16, &u, SIMINGEST_SCALAR}};
    ASSERT_EQ(simingest_ingest(ingestor_, "diag", step, static_cast<double>(step) * 0.1, columns, 3), SIMINGEST_OK)
        << simingest_last_error(ingestor_);
  }
  static void expect_frame(const Received& got, int64_t step) {
    EXPECT_EQ(got.step, step);
    EXPECT_EQ(got.time, static_cast<double>(step) * 0.1);
    EXPECT_EQ(got.dropped_before, 0u);
    EXPECT_EQ(got.e, (std::vector<double>{static_cast<double>(step), step + 0.5, -static_cast<double>(step) / 3}));
    EXPECT_EQ(got.n, -step);
    EXPECT_EQ(got.u, static_cast<uint16_t>(step));
  }
  void open_dataset() {
    char* error = nullptr;
    ASSERT_EQ(simingest_dataset_open(scratch_.path().c_str(), &dataset_, &error), SIMINGEST_OK)
        << (error ? error : "");
  }
  simingest_status subscribe(Recorder& recorder, bool from_start, const char* stream = "diag") {
    simingest_subscribe_options options = SIMINGEST_SUBSCRIBE_OPTIONS_INIT;
    options.has_from_step = from_start ? 1 : 0;
    options.from_step = 0;
    return simingest_dataset_subscribe(dataset_, stream, &options, &Recorder::callback, &recorder, &subscription_);
  }
  std::string segment(int n) const {
    return scratch_ / ("_realtime/diag/" + simingest::storage::realtime_log_name(static_cast<uint64_t>(n)));
  }

  simingest::testing_support::ScratchDirectory scratch_;
  simingest_ingestor* ingestor_ = nullptr;
  simingest_dataset* dataset_ = nullptr;
  simingest_subscription* subscription_ = nullptr;
};

// The file offsets where each whole block of a log file ends, in order.
std::vector<size_t> block_ends(const std::string& bytes, const simingest::StreamConfig& stream) {
  namespace avro = simingest::storage::avro;
  std::vector<size_t> ends;
  for (size_t length = 0; length <= bytes.size(); ++length) {
    const avro::LogScan scan = avro::scan_log(reinterpret_cast<const uint8_t*>(bytes.data()), length,
                                              avro::log_schema_json(stream), avro::log_column_types(stream));
    if (scan.outcome == avro::LogScan::Outcome::clean && scan.blocks == ends.size() + 1) ends.push_back(length);
  }
  return ends;
}

TEST_F(DatasetSubscribe, follows_a_writer_frame_by_frame_exactly_once_across_segments) {
  open_writer();
  open_dataset();
  Recorder recorder;
  ASSERT_EQ(subscribe(recorder, true), SIMINGEST_OK) << simingest_dataset_last_error(dataset_);
  std::thread writer([&] {
    for (int64_t step = 0; step < 300; ++step) ingest(step);
    close_writer();  // segment 0 ends; the next open starts segment 1
    open_writer("deflate");
    for (int64_t step = 300; step < 400; ++step) ingest(step);
    simingest_flush(ingestor_);
  });
  writer.join();
  recorder.wait_frames_or_end(400);
  ASSERT_EQ(simingest_unsubscribe(&subscription_), SIMINGEST_OK);
  const auto frames = recorder.frames();
  ASSERT_EQ(frames.size(), 400u);
  for (int64_t step = 0; step < 400; ++step) expect_frame(frames[static_cast<size_t>(step)], step);
  EXPECT_EQ(recorder.end_calls(), 1);
  EXPECT_EQ(recorder.end_status(), SIMINGEST_OK);
}

TEST_F(DatasetSubscribe, starts_from_now_without_from_step) {
  open_writer();
  for (int64_t step = 0; step < 10; ++step) ingest(step);
  ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK);
  open_dataset();
  Recorder recorder;
  ASSERT_EQ(subscribe(recorder, false), SIMINGEST_OK) << simingest_dataset_last_error(dataset_);
  for (int64_t step = 10; step < 20; ++step) ingest(step);
  ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK);
  recorder.wait_frames_or_end(10);
  ASSERT_EQ(simingest_unsubscribe(&subscription_), SIMINGEST_OK);
  const auto frames = recorder.frames();
  ASSERT_EQ(frames.size(), 10u);
  for (int64_t i = 0; i < 10; ++i) expect_frame(frames[static_cast<size_t>(i)], 10 + i);
}

TEST_F(DatasetSubscribe, waits_for_a_block_the_file_ends_inside) {
  open_writer();
  for (int64_t step = 0; step < 3; ++step) {
    ingest(step);
    ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK);  // one block per frame
  }
  close_writer();
  open_dataset();
  const std::string path = segment(0);
  const std::string whole = read_bytes(path);
  const auto ends = block_ends(whole, simingest::query::DatasetReader(scratch_.path()).snapshot("diag").config);
  ASSERT_EQ(ends.size(), 3u);
  const size_t cut = ends[0] + (ends[1] - ends[0]) / 2;  // inside the second block
  write_bytes(path, whole.substr(0, cut));
  Recorder recorder;
  ASSERT_EQ(subscribe(recorder, true), SIMINGEST_OK);
  recorder.wait_frames_or_end(1);
  write_bytes(path, whole.substr(cut), std::ios::app);  // the rest of the write arrives
  recorder.wait_frames_or_end(3);
  ASSERT_EQ(simingest_unsubscribe(&subscription_), SIMINGEST_OK);
  const auto frames = recorder.frames();
  ASSERT_EQ(frames.size(), 3u);
  for (int64_t step = 0; step < 3; ++step) expect_frame(frames[static_cast<size_t>(step)], step);
  EXPECT_EQ(recorder.end_status(), SIMINGEST_OK);
}

TEST_F(DatasetSubscribe, a_flipped_bit_in_a_complete_block_ends_it_with_corrupt_naming_the_file) {
  open_writer("null");
  for (int64_t step = 0; step < 2; ++step) {
    ingest(step);
    ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK);
  }
  close_writer();
  open_dataset();
  const std::string path = segment(0);
  std::string bytes = read_bytes(path);
  bytes[bytes.size() - 3] ^= 0x10;  // the last block's sync marker
  write_bytes(path, bytes);
  Recorder recorder;
  ASSERT_EQ(subscribe(recorder, true), SIMINGEST_OK);
  recorder.wait_end();
  ASSERT_EQ(recorder.frames().size(), 1u);
  expect_frame(recorder.frames()[0], 0);
  EXPECT_EQ(recorder.end_status(), SIMINGEST_ERR_CORRUPT);
  EXPECT_NE(recorder.end_message().find(path + ": sync marker mismatch after the block at byte "), std::string::npos)
      << recorder.end_message();
  EXPECT_EQ(simingest_unsubscribe(&subscription_), SIMINGEST_OK);
  EXPECT_EQ(recorder.end_calls(), 1);
}

TEST_F(DatasetSubscribe, a_zero_filled_segment_ends_it_with_corrupt_naming_the_file) {
  open_writer();
  close_writer();
  open_dataset();
  write_bytes(segment(0), std::string(4096, '\0'));
  Recorder recorder;
  ASSERT_EQ(subscribe(recorder, true), SIMINGEST_OK);
  recorder.wait_end();
  EXPECT_EQ(recorder.end_status(), SIMINGEST_ERR_CORRUPT);
  EXPECT_EQ(recorder.end_message(), segment(0) + ": not an Avro container file (magic)");
}

TEST_F(DatasetSubscribe, refuses_a_batch_stream_and_an_unknown_one) {
  open_writer();
  open_dataset();
  Recorder recorder;
  EXPECT_EQ(subscribe(recorder, true, "bulk"), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simingest_dataset_last_error(dataset_)).find("\"bulk\" has no realtime log"), std::string::npos)
      << simingest_dataset_last_error(dataset_);
  EXPECT_EQ(subscribe(recorder, true, "nope"), SIMINGEST_ERR_UNKNOWN_STREAM);
  EXPECT_EQ(std::string(simingest_dataset_last_error(dataset_)).rfind("subscribe: unknown stream \"nope\"", 0), 0u)
      << simingest_dataset_last_error(dataset_);
  EXPECT_EQ(subscription_, nullptr);
  EXPECT_EQ(recorder.end_calls(), 0);
}

TEST_F(DatasetSubscribe, keeps_reading_a_segment_unlinked_after_it_opened_it_and_reports_retired_ones) {
  for (int64_t round = 0; round < 3; ++round) {  // segments 0, 1, 2 of 5 frames each
    open_writer();
    for (int64_t step = round * 5; step < round * 5 + 5; ++step) ingest(step);
    close_writer();
  }
  open_dataset();
  Recorder recorder;
  recorder.close_gate();  // the tail stops inside its first frame
  ASSERT_EQ(subscribe(recorder, true), SIMINGEST_OK);
  recorder.wait_frames_or_end(1);
  // Segments 3 and 4 come; compaction retires 0 to 2, which the tail opened
  // when it started, and 3, which it has not listed yet.
  for (int64_t round = 3; round < 5; ++round) {
    open_writer();
    for (int64_t step = round * 5; step < round * 5 + 5; ++step) ingest(step);
    close_writer();
  }
  for (int n = 0; n < 4; ++n) ASSERT_TRUE(std::filesystem::remove(segment(n)));
  recorder.open_gate();
  recorder.wait_end();
  const auto frames = recorder.frames();
  ASSERT_EQ(frames.size(), 15u);  // every frame of 0 to 2, once; none of 3 or 4
  for (int64_t step = 0; step < 15; ++step) expect_frame(frames[static_cast<size_t>(step)], step);
  EXPECT_EQ(recorder.end_status(), SIMINGEST_ERR_BACKPRESSURE);
  EXPECT_NE(recorder.end_message().find("log-00000000000000000003.avro to log-00000000000000000003.avro"),
            std::string::npos) << recorder.end_message();
  EXPECT_NE(recorder.end_message().find("steps after 14"), std::string::npos) << recorder.end_message();
}

// The polling fallback, chosen explicitly: the same frames without inotify.
TEST_F(DatasetSubscribe, polling_fallback_follows_the_writer_too) {
  open_writer();
  const simingest::StreamConfig config = simingest::query::DatasetReader(scratch_.path()).snapshot("diag").config;
  simingest::query::TailOptions options;
  options.has_from_step = true;
  options.prefer_inotify = false;
  options.poll_interval = std::chrono::milliseconds(1);
  Recorder recorder;
  simingest::query::LogTail tail(scratch_.path(), config, options, &Recorder::callback, &recorder);
  EXPECT_EQ(tail.watch_mode(), simingest::query::DirectoryWatch::Mode::poll);
  for (int64_t step = 0; step < 100; ++step) ingest(step);
  close_writer();
  open_writer();
  for (int64_t step = 100; step < 150; ++step) ingest(step);
  ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK);
  recorder.wait_frames_or_end(150);
  std::string message;
  ASSERT_EQ(tail.cancel(message), simingest::Status::ok);
  const auto frames = recorder.frames();
  ASSERT_EQ(frames.size(), 150u);
  for (int64_t step = 0; step < 150; ++step) expect_frame(frames[static_cast<size_t>(step)], step);
  EXPECT_EQ(recorder.end_calls(), 1);
  EXPECT_EQ(tail.cancel(message), simingest::Status::invalid_argument);
}

}  // namespace
