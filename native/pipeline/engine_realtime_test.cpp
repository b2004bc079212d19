// The router and the realtime log through the engine: which frames reach the
// log, group commit, ack-after-fsync, stats, and recovery of a torn or
// damaged log on the next open. The files are checked here with simingest's
// own scanner; test/python/test_realtime_log.py and
// test/node/realtime_log.test.mjs read them with fastavro and avsc.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "pipeline/engine.hpp"
#include "storage/avro_container.hpp"
#include "storage/avro_log_scan.hpp"
#include "storage/file_ops.hpp"
#include "support/fault_injecting_file_ops.hpp"
#include "support/scratch_directory.hpp"

namespace simingest {
namespace {

namespace fs = std::filesystem;

class EngineRealtime : public ::testing::Test {
 protected:
  testing_support::ScratchDirectory scratch_;
  const std::string& root_ = scratch_.path();

  static std::string config(const std::string& stream_extra, const std::string& top_extra = "") {
    return R"({"workers":1,"streams":{"diag":{"columns":{"e":"float64","n":"int32"})" + stream_extra + "}}" +
           top_extra + "}";
  }

  static Status ingest(Engine& engine, int64_t step, std::string& message) {
    const double e = 0.5 * static_cast<double>(step);
    const int32_t n = static_cast<int32_t>(-step);
    simingest_column columns[2] = {{"e", SIMINGEST_FLOAT64, &e, SIMINGEST_SCALAR},
                                   {"n", SIMINGEST_INT32, &n, 1}};
    return engine.ingest("diag", step, static_cast<double>(step) * 0.1, columns, 2, false, message);
  }

  std::vector<std::string> log_files() const {
    std::vector<std::string> files;
    const fs::path dir = fs::path(root_) / "_realtime" / "diag";
    if (!fs::exists(dir)) return files;
    for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    return files;
  }

  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Steps 0 .. frames-1 of the stream of config(stream_extra), one host
  // waiting for each fsync: one block per frame. Then closed.
  void write_one_block_per_frame(const std::string& stream_extra, int64_t frames) {
    auto engine = Engine::open(root_, config(stream_extra, R"(,"durability":"ack-after-fsync")"));
    std::string message;
    for (int64_t step = 0; step < frames; ++step) ASSERT_EQ(ingest(*engine, step, message), Status::ok) << message;
    engine->close();
  }

  // Scans `path` as the stream of config(stream_extra) describes it.
  static storage::avro::LogScan scan(const std::string& path, const std::string& stream_extra) {
    const Config parsed = parse_config(config(stream_extra));
    const std::string bytes = read(path);
    return storage::avro::scan_log(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                   storage::avro::log_schema_json(parsed.streams[0]),
                                   storage::avro::log_column_types(parsed.streams[0]));
  }
};

TEST_F(EngineRealtime, realtime_route_writes_every_frame_to_the_log_and_none_to_parquet) {
  const std::string stream = R"(,"route":"realtime","realtime":{"syncEveryFrames":10,"codec":"zstandard","compact":false})";
  auto engine = Engine::open(root_, config(stream));
  std::string message;
  for (int64_t step = 0; step < 25; ++step) ASSERT_EQ(ingest(*engine, step, message), Status::ok) << message;
  engine->flush();
  const auto stats = nlohmann::json::parse(engine->stats_json());
  EXPECT_EQ(stats["realtime"]["frames"], 25);
  EXPECT_EQ(stats["realtime"]["streams"]["diag"]["frames"], 25);
  // Group commit: the writer takes whatever waits once a threshold is reached, so blocks hold >= 10 frames
  // (but the last, which flush() wrote).
  EXPECT_GE(stats["realtime"]["blocks"].get<int>(), 1);
  EXPECT_LE(stats["realtime"]["blocks"].get<int>(), 3);
  EXPECT_EQ(stats["realtime"]["fsyncs"].get<int>(), stats["realtime"]["blocks"].get<int>() + 1);  // + header
  EXPECT_EQ(stats["framesAccepted"], 0);  // the batch path saw nothing
  engine->close();
  EXPECT_FALSE(fs::exists(fs::path(root_) / "diag"));
  const auto files = log_files();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(fs::path(files[0]).filename(), "log-00000000000000000000.avro");
  const auto result = scan(files[0], stream);
  EXPECT_EQ(result.outcome, storage::avro::LogScan::Outcome::clean) << result.reason;
  EXPECT_EQ(result.records, 25u);
  EXPECT_EQ(result.good_bytes, fs::file_size(files[0]));
}

TEST_F(EngineRealtime, both_route_sends_every_frame_to_parquet_and_every_nth_step_to_the_log) {
  const std::string stream = R"(,"route":"both","realtime":{"everySteps":10,"codec":"deflate"})";
  auto engine = Engine::open(root_, config(stream));
  std::string message;
  for (int64_t step = -5; step < 35; ++step) ASSERT_EQ(ingest(*engine, step, message), Status::ok) << message;
  engine->close();
  const auto stats = nlohmann::json::parse(engine->stats_json());
  EXPECT_EQ(stats["framesCommitted"], 40);
  EXPECT_EQ(stats["realtime"]["frames"], 4);  // steps 0, 10, 20, 30
  const auto result = scan(log_files().at(0), stream);
  EXPECT_EQ(result.outcome, storage::avro::LogScan::Outcome::clean) << result.reason;
  EXPECT_EQ(result.records, 4u);
}

TEST_F(EngineRealtime, ack_after_fsync_returns_only_once_the_frame_is_in_the_file) {
  // Thresholds that would hold frames back for an hour: only the durability mode writes them.
  const std::string stream = R"(,"route":"realtime","realtime":{"syncEveryMs":3600000,"syncEveryFrames":1000000})";
  auto engine = Engine::open(root_, config(stream, R"(,"durability":"ack-after-fsync")"));
  std::string message;
  for (int64_t step = 0; step < 5; ++step) {
    ASSERT_EQ(ingest(*engine, step, message), Status::ok) << message;
    const auto result = scan(log_files().at(0), stream);
    EXPECT_EQ(result.outcome, storage::avro::LogScan::Outcome::clean) << result.reason;
    EXPECT_EQ(result.records, static_cast<uint64_t>(step + 1));
  }
  const auto stats = nlohmann::json::parse(engine->stats_json());
  EXPECT_EQ(stats["realtime"]["fsyncs"].get<int>(), 6);  // header + one group per lone frame
  engine->close();
}

TEST_F(EngineRealtime, frames_wait_for_the_group_commit_without_ack_after_fsync) {
  const std::string stream = R"(,"route":"realtime","realtime":{"syncEveryMs":3600000,"syncEveryFrames":4})";
  auto engine = Engine::open(root_, config(stream));
  std::string message;
  for (int64_t step = 0; step < 3; ++step) ASSERT_EQ(ingest(*engine, step, message), Status::ok) << message;
  EXPECT_EQ(scan(log_files().at(0), stream).records, 0u);  // under both thresholds: still pending
  engine->flush();  // flush makes them durable
  EXPECT_EQ(scan(log_files().at(0), stream).records, 3u);
  engine->close();
}

TEST_F(EngineRealtime, flush_async_completes_once_the_realtime_frames_before_it_are_fsynced) {
  const std::string stream = R"(,"route":"both","realtime":{"syncEveryMs":3600000,"syncEveryFrames":1000000})";
  auto engine = Engine::open(root_, config(stream));
  std::string message;
  for (int64_t step = 0; step < 7; ++step) ASSERT_EQ(ingest(*engine, step, message), Status::ok) << message;
  struct Done {
    std::mutex mutex;
    std::condition_variable cv;
    int calls = 0;
    simingest_status status = SIMINGEST_ERR_INTERNAL;
  } done;
  ASSERT_EQ(engine->flush_async(
                [](void* user, simingest_status status, const char*) {
                  auto* d = static_cast<Done*>(user);
                  std::lock_guard<std::mutex> lock(d->mutex);
                  ++d->calls;
                  d->status = status;
                  d->cv.notify_all();
                },
                &done, message),
            Status::ok)
      << message;
  {
    std::unique_lock<std::mutex> lock(done.mutex);
    done.cv.wait(lock, [&] { return done.calls > 0; });
    EXPECT_EQ(done.status, SIMINGEST_OK);
  }
  EXPECT_EQ(scan(log_files().at(0), stream).records, 7u);  // held back by the thresholds until the flush
  EXPECT_EQ(nlohmann::json::parse(engine->stats_json())["framesCommitted"], 7);
  engine->close();
  EXPECT_EQ(done.calls, 1);
}

TEST_F(EngineRealtime, realtime_route_refuses_non_finite_values_of_reject_columns) {
  const std::string stream = R"(,"nonFinite":"reject","route":"realtime","realtime":{"compact":false})";
  auto engine = Engine::open(root_, config(stream));
  const double nan = std::nan("");
  const int32_t n = 1;
  simingest_column columns[2] = {{"e", SIMINGEST_FLOAT64, &nan, 1}, {"n", SIMINGEST_INT32, &n, 1}};
  std::string message;
  EXPECT_EQ(engine->ingest("diag", 0, 0.0, columns, 2, false, message), Status::non_finite);
  EXPECT_NE(message.find("\"e\""), std::string::npos) << message;
  engine->close();
  EXPECT_EQ(scan(log_files().at(0), stream).records, 0u);
}

TEST_F(EngineRealtime, reopen_truncates_a_torn_last_block_and_starts_a_new_segment) {
  const std::string stream = R"(,"route":"realtime","realtime":{"compact":false})";
  ASSERT_NO_FATAL_FAILURE(write_one_block_per_frame(stream, 6));
  const std::string first = log_files().at(0);
  const auto whole = fs::file_size(first);
  fs::resize_file(first, whole - 7);  // the last block loses its sync marker's end, as a cut write would
  auto engine = Engine::open(root_, config(stream));
  const auto stats = nlohmann::json::parse(engine->stats_json());
  ASSERT_EQ(stats["realtime"]["truncated"].size(), 1u);
  EXPECT_EQ(stats["realtime"]["truncated"][0]["path"], "_realtime/diag/log-00000000000000000000.avro");
  engine->close();
  const auto result = scan(first, stream);
  EXPECT_EQ(result.outcome, storage::avro::LogScan::Outcome::clean) << result.reason;
  EXPECT_EQ(result.records, 5u);
  EXPECT_EQ(result.good_bytes, fs::file_size(first));
  EXPECT_EQ(log_files().size(), 2u);  // the reopen wrote segment 1
}

TEST_F(EngineRealtime, a_damaged_log_is_quarantined_and_the_open_fails_once_naming_it) {
  const std::string stream = R"(,"route":"realtime","realtime":{"compact":false})";
  ASSERT_NO_FATAL_FAILURE(write_one_block_per_frame(stream, 4));
  const std::string first = log_files().at(0);
  {  // flip a byte of the first block's sync marker: every byte is there, but it makes no sense
    // (damage in the last block alone would be a torn tail: AvroLogScan's tests)
    std::string bytes = read(first);
    const auto result = scan(first, stream);
    ASSERT_EQ(result.records, 4u);
    const std::string marker = bytes.substr(bytes.size() - 16);  // every block ends with the header's marker
    const std::size_t header_marker = bytes.find(marker);
    const std::size_t first_block_marker = bytes.find(marker, header_marker + 16);
    ASSERT_LT(first_block_marker, bytes.size() - 16);
    bytes[first_block_marker + 3] ^= 0x55;
    std::ofstream(first, std::ios::binary | std::ios::trunc) << bytes;
  }
  try {
    Engine::open(root_, config(stream));
    FAIL() << "opened a dataset with a damaged realtime log";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::corrupt);
    EXPECT_NE(std::string(e.what()).find("_realtime/diag/log-00000000000000000000.avro"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(fs::exists(fs::path(root_) / "_simingest/quarantine/_realtime/diag/log-00000000000000000000.avro"));
  auto engine = Engine::open(root_, config(stream));  // once: the file is out of the way
  engine->close();
}

TEST_F(EngineRealtime, disk_full_in_a_group_commit_is_a_sticky_typed_error_and_acknowledged_frames_stay) {
  const std::string stream = R"(,"route":"realtime","realtime":{"compact":false})";
  const std::string fsync_acks = R"(,"durability":"ack-after-fsync")";
  std::string message;
  uint64_t after_three = 0;  // operations up to the third acknowledged frame
  {
    testing_support::ScratchDirectory counting;
    testing_support::FaultInjectingFileOps ops(counting.path());
    storage::ScopedFileOps installed(ops);
    auto engine = Engine::open(counting.path(), config(stream, fsync_acks));
    for (int64_t step = 0; step < 3; ++step) ASSERT_EQ(ingest(*engine, step, message), Status::ok) << message;
    after_three = ops.operations();
    engine->close();
  }
  testing_support::FaultPlan plan;
  plan.at = after_three + 1;  // the fourth frame's block: half written, then ENOSPC
  plan.kind = testing_support::FaultKind::short_write;
  plan.error = ENOSPC;
  {
    testing_support::FaultInjectingFileOps ops(root_, plan);
    storage::ScopedFileOps installed(ops);
    auto engine = Engine::open(root_, config(stream, fsync_acks));
    for (int64_t step = 0; step < 3; ++step) ASSERT_EQ(ingest(*engine, step, message), Status::ok) << message;
    EXPECT_EQ(ingest(*engine, 3, message), Status::no_space);
    EXPECT_NE(message.find("_realtime/diag/log-00000000000000000000.avro"), std::string::npos) << message;
    EXPECT_EQ(ingest(*engine, 4, message), Status::no_space);  // sticky
    EXPECT_THROW(engine->close(), Error);
  }
  auto engine = Engine::open(root_, config(stream));  // recovery cuts the half-written block
  const auto stats = nlohmann::json::parse(engine->stats_json());
  EXPECT_EQ(stats["realtime"]["truncated"].size(), 1u);
  engine->close();
  const auto result = scan(log_files().at(0), stream);
  EXPECT_EQ(result.outcome, storage::avro::LogScan::Outcome::clean) << result.reason;
  EXPECT_EQ(result.records, 3u);  // every acknowledged frame, nothing else
}

TEST_F(EngineRealtime, stats_have_no_realtime_section_without_a_routed_stream) {
  auto engine = Engine::open(root_, config(""));
  EXPECT_FALSE(nlohmann::json::parse(engine->stats_json()).contains("realtime"));
  engine->close();
  EXPECT_FALSE(fs::exists(fs::path(root_) / "_realtime"));
}

}  // namespace
}  // namespace simingest
