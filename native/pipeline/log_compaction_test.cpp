// Compaction of the realtime log into Parquet (pipeline/log_compaction.hpp)
// through the engine: what close and open compact, the manifest's mark, the
// stats, and exactly-once under a crash (three models) or a failure at every
// file operation of two sessions — the crash-point sweep of issue 6 extended
// to compaction. Frames are read back through the query API (the dataset
// reader: committed Parquet) and, for what is still in the log, with the
// log scanner; test/python/test_compaction.py reads the files with pyarrow.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "pipeline/engine.hpp"
#include "query/dataset_reader.hpp"
#include "query/query_stream.hpp"
#include "storage/avro_container.hpp"
#include "storage/avro_frame_decoder.hpp"
#include "storage/avro_log_scan.hpp"
#include "storage/dataset.hpp"
#include "storage/durable_io.hpp"
#include "storage/file_ops.hpp"
#include "storage/realtime_log_files.hpp"
#include "support/fault_injecting_file_ops.hpp"
#include "support/query_frames.hpp"
#include "support/scratch_directory.hpp"
#include "support/sweep_stride.hpp"

namespace simingest {
namespace {

namespace fs = std::filesystem;
using testing_support::CrashModel;
using testing_support::crash_model_name;
using testing_support::FaultInjectingFileOps;
using testing_support::FaultKind;
using testing_support::FaultPlan;

constexpr int64_t kRows = 100;  // rows of every frame: three frames fill a 4 KiB row group

// A realtime stream partitioned every 8 steps; every frame acknowledged only
// once fsynced, so "acknowledged" means "must survive".
std::string config(bool compact) {
  return std::string(R"({"workers":1,"durability":"ack-after-fsync","rowGroupBytes":4096,)") +
         R"("streams":{"diag":{"columns":{"e":"float64","n":"int32"},"route":"realtime","partition":{"steps":8},)" +
         R"("realtime":{"syncEveryFrames":4,"compact":)" + (compact ? "true" : "false") + "}}}}";
}

int32_t value_of(int64_t step, int64_t row) { return static_cast<int32_t>(step * 1000 + row); }

Status ingest(Engine& engine, int64_t step, std::string& message) {
  const double e = 0.5 * static_cast<double>(step);
  std::vector<int32_t> n(kRows);
  for (int64_t row = 0; row < kRows; ++row) n[static_cast<std::size_t>(row)] = value_of(step, row);
  simingest_column columns[2] = {{"e", SIMINGEST_FLOAT64, &e, SIMINGEST_SCALAR},
                                 {"n", SIMINGEST_INT32, n.data(), static_cast<uint64_t>(kRows)}};
  return engine.ingest("diag", step, static_cast<double>(step) * 0.1, columns, 2, false, message);
}

// Rows per step, and every value checked (a wrong one is a failure naming it).
using RowsByStep = std::map<int64_t, int64_t>;

// "diag" through the query API of another process (DatasetReader): the
// committed Parquet files, then the log past the manifest's mark — or, with
// `parquet_only`, the files alone.
RowsByStep query_rows(const std::string& root, std::vector<std::string>* problems, bool parquet_only = false) {
  RowsByStep rows;
  query::DatasetReader reader(root);
  ArrowArrayStream stream{};
  try {
    if (parquet_only) {
      query::StreamSnapshot snapshot = reader.snapshot("diag");
      snapshot.frames.clear();
      query::ResolvedQuery resolved = query::resolve_query(snapshot.config, query::QuerySpec{});
      query::make_query_stream(std::move(snapshot), std::move(resolved), query::kDefaultQueryMemoryLimit,
                               reader.footers(), &stream);
    } else {
      reader.query("diag", query::QuerySpec{}, &stream);
    }
  } catch (const Error& e) {
    if (e.status() != Status::unknown_stream) throw;
    return rows;  // a crash before the stream was registered
  }
  const auto collected = query::testing::collect(stream);
  EXPECT_EQ(collected.error, 0) << collected.message;
  const auto& steps = collected.columns.at(0);
  const std::size_t count = steps.size() / 8;
  std::map<int64_t, int64_t> next_row;
  for (std::size_t i = 0; i < count; ++i) {
    int64_t step = 0;
    double time = 0, e = 0;
    int32_t n = 0;
    std::memcpy(&step, steps.data() + i * 8, 8);
    std::memcpy(&time, collected.columns.at(1).data() + i * 8, 8);
    std::memcpy(&e, collected.columns.at(2).data() + i * 8, 8);
    std::memcpy(&n, collected.columns.at(3).data() + i * 4, 4);
    const int64_t row = next_row[step]++ % kRows;
    if (time != static_cast<double>(step) * 0.1 || e != 0.5 * static_cast<double>(step) || n != value_of(step, row))
      problems->push_back("step " + std::to_string(step) + " row " + std::to_string(row) + " has wrong values");
    ++rows[step];
  }
  return rows;
}

// The records of the log still behind the manifest's mark (not compacted).
RowsByStep log_rows(const std::string& root, const storage::LogMark& mark) {
  RowsByStep rows;
  const Config parsed = parse_config(config(true));
  const StreamConfig& stream = parsed.streams[0];
  for (uint64_t segment : storage::realtime_log_segments(root, "diag")) {
    if (segment < mark.segment) continue;
    const std::string bytes =
        storage::read_file(root + "/" + storage::realtime_stream_directory("diag") + "/" + storage::realtime_log_name(segment));
    uint64_t record = 0;
    storage::avro::FrameDecoder decoder(stream);
    storage::avro::DecodedFrame frame;
    storage::avro::scan_log(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                            storage::avro::log_schema_json(stream), storage::avro::log_column_types(stream),
                            [&](const uint8_t* data, std::size_t size) {
                              if (segment == mark.segment && record++ < mark.records) return;
                              uint64_t frame_rows = 0;
                              EXPECT_TRUE(decoder.decode_record(data, size, frame));
                              EXPECT_TRUE(storage::avro::frame_rows(frame, 0, frame_rows));
                              rows[frame.step] += static_cast<int64_t>(frame_rows);
                            });
  }
  return rows;
}

// Every acknowledged step exactly once (kRows rows), any other at most once.
void check_exactly_once(const RowsByStep& rows, const std::vector<int64_t>& acknowledged, int64_t steps,
                        const std::string& where, std::vector<std::string>& problems) {
  for (int64_t step : acknowledged)
    if (rows.count(step) == 0) problems.push_back(where + ": acknowledged step " + std::to_string(step) + " is missing");
  for (const auto& [step, count] : rows)
    if (count != kRows || step < 0 || step >= steps)
      problems.push_back(where + ": step " + std::to_string(step) + " has " + std::to_string(count) + " rows");
}

RowsByStep merged(RowsByStep a, const RowsByStep& b) {
  for (const auto& [step, count] : b) a[step] += count;
  return a;
}

class EngineCompaction : public ::testing::Test {
 protected:
  testing_support::ScratchDirectory scratch_;
  const std::string& root_ = scratch_.path();

  std::vector<std::string> segments() const {
    std::vector<std::string> names;
    for (uint64_t segment : storage::realtime_log_segments(root_, "diag")) names.push_back(storage::realtime_log_name(segment));
    return names;
  }
};

TEST_F(EngineCompaction, close_moves_every_frame_from_the_log_into_parquet_files_of_the_batch_layout) {
  auto engine = Engine::open(root_, config(true));
  std::string message;
  std::vector<int64_t> acknowledged;
  for (int64_t step = 0; step < 20; ++step) {
    ASSERT_EQ(ingest(*engine, step, message), Status::ok) << message;
    acknowledged.push_back(step);
  }
  engine->close();
  EXPECT_TRUE(segments().empty());  // retired in the same run
  std::vector<std::string> problems;
  const RowsByStep rows = query_rows(root_, &problems, /*parquet_only=*/true);
  check_exactly_once(rows, acknowledged, 20, "after close", problems);
  EXPECT_EQ(rows.size(), 20u);
  EXPECT_TRUE(problems.empty()) << problems.front();

  // One file per partition (steps 0-7, 8-15, 16-19), hive layout, time index,
  // and the mark past segment 0.
  const auto manifest = nlohmann::json::parse(storage::read_file(root_ + "/_simingest/manifest.json"));
  ASSERT_EQ(manifest["files"].size(), 3u);
  for (int p = 0; p < 3; ++p) {
    const auto& file = manifest["files"][static_cast<std::size_t>(p)];
    EXPECT_EQ(file["partition"], p);
    EXPECT_EQ(file["path"].get<std::string>().rfind("diag/part=" + std::to_string(p) + "/part-", 0), 0u) << file["path"];
    EXPECT_EQ(file["frames"], p < 2 ? 8 : 4);
    EXPECT_EQ(file["rows"], (p < 2 ? 8 : 4) * kRows);
    EXPECT_GT(file["rowGroups"].get<int>(), 1);  // 3 frames a row group
    EXPECT_EQ(file["rowGroupIndex"].size(), file["rowGroups"].get<std::size_t>());
    EXPECT_TRUE(fs::exists(fs::path(root_) / file["path"].get<std::string>()));
  }
  EXPECT_EQ(manifest["realtimeCompacted"]["diag"], (nlohmann::json{{"segment", 1}, {"records", 0}}));

  // The next session writes segment 1, and its close compacts it after the first.
  engine = Engine::open(root_, config(true));
  EXPECT_EQ(segments(), std::vector<std::string>{"log-00000000000000000001.avro"});
  for (int64_t step = 20; step < 25; ++step) {
    ASSERT_EQ(ingest(*engine, step, message), Status::ok) << message;
    acknowledged.push_back(step);
  }
  engine->close();
  EXPECT_TRUE(segments().empty());
  const RowsByStep again = query_rows(root_, &problems, /*parquet_only=*/true);
  check_exactly_once(again, acknowledged, 25, "after the second close", problems);
  EXPECT_EQ(again.size(), 25u);
  EXPECT_TRUE(problems.empty()) << problems.front();
}

TEST_F(EngineCompaction, open_compacts_what_an_earlier_session_left_and_stats_count_it) {
  auto engine = Engine::open(root_, config(false));
  std::string message;
  for (int64_t step = 0; step < 10; ++step) ASSERT_EQ(ingest(*engine, step, message), Status::ok) << message;
  engine->close();
  ASSERT_EQ(segments().size(), 1u);  // compact: false kept it
  const auto log_bytes = fs::file_size(fs::path(root_) / "_realtime/diag" / segments()[0]);

  engine = Engine::open(root_, config(true));
  const auto stats = nlohmann::json::parse(engine->stats_json());
  const auto& compaction = stats["realtime"]["streams"]["diag"]["compaction"];
  EXPECT_EQ(compaction["runs"], 1);
  EXPECT_EQ(compaction["frames"], 10);
  EXPECT_EQ(compaction["files"], 2);  // partitions 0 and 1
  EXPECT_EQ(compaction["bytesIn"], log_bytes);
  EXPECT_GT(compaction["bytesOut"].get<uint64_t>(), 0u);
  EXPECT_EQ(compaction["segmentsRetired"], 1);
  EXPECT_TRUE(compaction["lastError"].is_null());
  EXPECT_EQ(stats["realtime"]["compaction"], compaction);  // the only stream: totals are its counters
  EXPECT_EQ(segments(), std::vector<std::string>{"log-00000000000000000001.avro"});  // this session's
  engine->close();
  std::vector<std::string> problems;
  EXPECT_EQ(query_rows(root_, &problems, /*parquet_only=*/true).size(), 10u);
  EXPECT_TRUE(problems.empty()) << problems.front();
}

// Another process's query (the dataset reader) sees every frame once at
// every moment: from the log past the mark while the session runs, from
// Parquet after its close.
TEST_F(EngineCompaction, the_query_api_merges_the_log_past_the_mark_with_the_files) {
  auto engine = Engine::open(root_, config(true));
  std::string message;
  std::vector<int64_t> acknowledged;
  for (int64_t step = 0; step < 12; ++step) {
    ASSERT_EQ(ingest(*engine, step, message), Status::ok) << message;
    acknowledged.push_back(step);
  }
  std::vector<std::string> problems;
  EXPECT_TRUE(query_rows(root_, &problems, /*parquet_only=*/true).empty());
  RowsByStep rows = query_rows(root_, &problems);  // all from the log
  check_exactly_once(rows, acknowledged, 12, "from the log", problems);
  EXPECT_EQ(rows.size(), 12u);
  engine->close();
  engine = Engine::open(root_, config(true));
  for (int64_t step = 12; step < 15; ++step) {
    ASSERT_EQ(ingest(*engine, step, message), Status::ok) << message;
    acknowledged.push_back(step);
  }
  rows = query_rows(root_, &problems);  // 12 from Parquet, 3 from the new segment
  check_exactly_once(rows, acknowledged, 15, "Parquet then the log", problems);
  EXPECT_EQ(rows.size(), 15u);
  EXPECT_EQ(query_rows(root_, &problems, /*parquet_only=*/true).size(), 12u);
  engine->close();
  EXPECT_EQ(query_rows(root_, &problems).size(), 15u);
  EXPECT_TRUE(problems.empty()) << problems.front();
}

TEST_F(EngineCompaction, later_sessions_without_frames_write_no_manifest_and_leave_no_segment) {
  Engine::open(root_, config(true))->close();
  const std::string manifest = storage::read_file(root_ + "/_simingest/manifest.json");
  Engine::open(root_, config(true))->close();
  EXPECT_TRUE(segments().empty());
  EXPECT_EQ(storage::read_file(root_ + "/_simingest/manifest.json"), manifest);
}

TEST_F(EngineCompaction, compact_false_is_refused_on_route_both) {
  try {
    Engine::open(root_, R"({"streams":{"d":{"columns":{"e":"float64"},"route":"both","realtime":{"compact":false}}}})");
    FAIL() << "opened";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::config);
    EXPECT_NE(std::string(e.what()).find("streams.d.realtime.compact"), std::string::npos) << e.what();
  }
}

// ---- the crash-point sweep of two sessions ------------------------------------

// Session 1 keeps its log (compact: false), session 2 compacts it at open,
// ingests more and compacts its own at close: every operation of the log's
// writes, both compactions (file, rename, manifest, segment deletion) and
// the recovery in between is a crash point.
constexpr int64_t kSessionSteps = 10;

struct Outcome {
  std::vector<int64_t> acknowledged;
  Status error = Status::ok;
  std::string message;
};

Outcome run_sessions(const std::string& root, FaultInjectingFileOps& ops) {
  Outcome out;
  storage::ScopedFileOps installed(ops);
  for (int session = 0; session < 2 && out.error == Status::ok; ++session) {
    try {
      auto engine = Engine::open(root, config(session == 1));
      std::string message;
      for (int64_t step = session * kSessionSteps; step < (session + 1) * kSessionSteps; ++step) {
        const Status status = ingest(*engine, step, message);
        if (status != Status::ok) {
          out.error = status;
          out.message = message;
          break;
        }
        out.acknowledged.push_back(step);
      }
      engine->close();
    } catch (const Error& e) {
      if (out.error == Status::ok) {
        out.error = e.status();
        out.message = e.what();
      }
    }
  }
  return out;
}

// After the fault: (1) recovery alone (storage::Dataset::open, no
// compaction) leaves each frame in committed Parquet or in the log past the
// mark, exactly once; (2) a session that opens and closes compacts the rest:
// all of it in Parquet, no segment left.
std::vector<std::string> check_recovered(const std::string& root, const Outcome& outcome) {
  std::vector<std::string> problems;
  storage::LogMark mark;
  bool has_mark = false;
  {
    auto dataset = storage::Dataset::open(root);
    mark = dataset->compacted_mark("diag");
    has_mark = dataset->has_compacted_mark("diag");
  }
  const RowsByStep parquet = query_rows(root, &problems, /*parquet_only=*/true);
  check_exactly_once(merged(parquet, log_rows(root, mark)), outcome.acknowledged, 2 * kSessionSteps,
                     "parquet + log after recovery", problems);
  // The query API merges the two the same way (a stream with a mark).
  if (has_mark)
    check_exactly_once(query_rows(root, &problems), outcome.acknowledged, 2 * kSessionSteps,
                       "the query API after recovery", problems);
  Engine::open(root, config(true))->close();
  check_exactly_once(query_rows(root, &problems, /*parquet_only=*/true), outcome.acknowledged, 2 * kSessionSteps,
                     "parquet after the next session", problems);
  if (!storage::realtime_log_segments(root, "diag").empty()) problems.push_back("a log segment is left");
  return problems;
}

class CompactionCrashPoints : public ::testing::Test {
 protected:
  testing_support::ScratchDirectory scratch_;
  int run_ = 0;
  std::string fresh_root() { return scratch_ / ("run" + std::to_string(run_++)); }

  std::vector<std::string> reference_log() {
    const std::string root = fresh_root();
    FaultInjectingFileOps ops(root, FaultPlan{});
    const Outcome outcome = run_sessions(root, ops);
    EXPECT_EQ(outcome.error, Status::ok) << outcome.message;
    EXPECT_EQ(outcome.acknowledged.size(), static_cast<std::size_t>(2 * kSessionSteps));
    const auto problems = check_recovered(root, outcome);
    EXPECT_TRUE(problems.empty()) << problems.front();
    fs::remove_all(root);
    return ops.log();
  }
};

TEST_F(CompactionCrashPoints, a_crash_at_every_operation_leaves_every_acknowledged_frame_exactly_once) {
  const std::vector<std::string> log = reference_log();
  // The sweep must reach into compaction: renames of compacted files and
  // deletions of segments are among the operations.
  uint64_t compaction_ops = 0;
  for (const std::string& op : log)
    compaction_ops += (op.rfind("rename ", 0) == 0 && op.find(".parquet.inprogress") != std::string::npos) ||
                      (op.rfind("unlink ", 0) == 0 && op.find("/_realtime/") != std::string::npos);
  ASSERT_GE(compaction_ops, 5u) << "no compaction in the workload";
  uint64_t swept = 0, failures = 0;
  // Sanitizer builds take every 4th point, each crash model from another
  // offset so the three together still cover every operation once.
  const uint64_t stride = testing_support::sweep_stride(4);
  uint64_t offset = 0;
  for (CrashModel model : {CrashModel::process_kill, CrashModel::power_loss, CrashModel::torn_tail}) {
    for (uint64_t k = 1 + offset++ % stride; k <= log.size(); k += stride) {
      const std::string root = fresh_root();
      FaultInjectingFileOps ops(root, FaultPlan{k, FaultKind::crash, EIO, model, k});
      const Outcome outcome = run_sessions(root, ops);
      ASSERT_TRUE(ops.fired()) << crash_model_name(model) << " k=" << k;
      ops.settle();
      ++swept;
      const auto problems = check_recovered(root, outcome);
      if (!problems.empty()) {
        ++failures;
        ADD_FAILURE() << crash_model_name(model) << " crash at operation " << k << " (" << ops.fired_at()
                      << "): " << problems.front() << " (" << problems.size() << " problems)";
      }
      fs::remove_all(root);
      if (failures > 10) FAIL() << "stopping after 10 failing crash points";
    }
  }
  std::cout << "[ sweep    ] " << log.size() << " operations per run (" << compaction_ops
            << " renames of compacted files and segment deletions), " << swept << " crash points swept\n";
}

TEST_F(CompactionCrashPoints, a_failure_at_every_operation_is_typed_and_loses_no_acknowledged_frame) {
  const std::vector<std::string> log = reference_log();
  uint64_t failures = 0;
  for (uint64_t k = 1; k <= log.size(); ++k) {
    const int error = k % 2 ? EIO : ENOSPC;
    const std::string root = fresh_root();
    FaultInjectingFileOps ops(root, FaultPlan{k, k % 3 == 0 ? FaultKind::short_write : FaultKind::fail, error,
                                              CrashModel::power_loss, k});
    const Outcome outcome = run_sessions(root, ops);
    ASSERT_TRUE(ops.fired()) << k;
    std::vector<std::string> problems;
    if (outcome.error != Status::io && outcome.error != Status::no_space)
      problems.push_back(std::string("host saw ") + status_string(outcome.error) + " (" + outcome.message + ")");
    const auto recovered = check_recovered(root, outcome);
    problems.insert(problems.end(), recovered.begin(), recovered.end());
    if (!problems.empty()) {
      ++failures;
      ADD_FAILURE() << "failure at operation " << k << " (" << ops.fired_at() << "): " << problems.front();
    }
    fs::remove_all(root);
    if (failures > 10) FAIL() << "stopping after 10 failing fault points";
  }
}

// The negative control: reading the whole log, ignoring the mark, sees
// frames twice at the crash points between a compacted file's commit and the
// deletion of its segment — the mark is what keeps them exactly once.
TEST_F(CompactionCrashPoints, negative_control_ignoring_the_mark_sees_frames_twice) {
  const std::vector<std::string> log = reference_log();
  uint64_t violating = 0;
  for (uint64_t k = 1; k <= log.size(); ++k) {
    const std::string root = fresh_root();
    FaultInjectingFileOps ops(root, FaultPlan{k, FaultKind::crash, EIO, CrashModel::process_kill, k});
    const Outcome outcome = run_sessions(root, ops);
    ops.settle();
    { auto dataset = storage::Dataset::open(root); }
    std::vector<std::string> problems;
    const RowsByStep parquet = query_rows(root, &problems, /*parquet_only=*/true);
    check_exactly_once(merged(parquet, log_rows(root, storage::LogMark{})), outcome.acknowledged, 2 * kSessionSteps,
                       "ignoring the mark", problems);
    violating += !problems.empty();
    fs::remove_all(root);
  }
  std::cout << "[ control  ] ignoring the mark, " << violating << " of " << log.size()
            << " crash points see a frame twice\n";
  EXPECT_GT(violating, 0u);
}

}  // namespace
}  // namespace simingest
