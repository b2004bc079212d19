// resumeFromStep (storage/resume.hpp) and checkpoint(): files straddling the
// resume step, files after it, nothing to retire, resuming twice, a crash at
// every file operation of a resume, and the engine's re-run. Datasets are
// written by the engine UNCOMPRESSED with PLAIN columns, so what readers see
// is checked with the spec-only test reader (support/plain_parquet_reader.hpp),
// independently of the Parquet code under test.
#include "storage/resume.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "pipeline/engine.hpp"
#include "storage/dataset.hpp"
#include "support/fault_injecting_file_ops.hpp"
#include "support/plain_parquet_reader.hpp"
#include "support/sweep_stride.hpp"
#include "support/scratch_directory.hpp"

namespace simingest::storage {
namespace {

namespace fs = std::filesystem;
using testing_support::CrashModel;
using testing_support::FaultInjectingFileOps;
using testing_support::FaultKind;
using testing_support::FaultPlan;

constexpr std::size_t kRows = 64;  // grid: rows per frame

std::string config(std::optional<int64_t> resume = std::nullopt) {
  std::string text =
      R"({"streams":{"fields":{"columns":{"v":{"dtype":"float64","encoding":"plain"},)"
      R"("k":{"dtype":"int32","encoding":"plain"},"s":{"dtype":"int16","encoding":"plain"}},"grid":[64]}},)"
      R"("compression":{"codec":"none"},"rowGroupBytes":4096,"workers":1)";
  if (resume) text += ",\"resumeFromStep\":" + std::to_string(*resume);
  return text + "}";
}

// The values of a frame derive from (run, step, row): a re-run writes other values.
double v_of(int run, int64_t step, std::size_t row) { return run * 1000.0 + static_cast<double>(step) + row * 1e-3; }
int32_t k_of(int run, int64_t step, std::size_t row) { return run * 1000000 + static_cast<int32_t>(step) * 100 + static_cast<int32_t>(row); }
int16_t s_of(int run, int64_t step) { return static_cast<int16_t>(run * 1000 - step); }

Status ingest(Engine& engine, int run, int64_t step, std::string& message) {
  std::vector<double> v(kRows);
  std::vector<int32_t> k(kRows);
  for (std::size_t r = 0; r < kRows; ++r) {
    v[r] = v_of(run, step, r);
    k[r] = k_of(run, step, r);
  }
  const int16_t s = s_of(run, step);
  const simingest_column columns[] = {{"v", SIMINGEST_FLOAT64, v.data(), kRows},
                                      {"k", SIMINGEST_INT32, k.data(), kRows},
                                      {"s", SIMINGEST_INT16, &s, SIMINGEST_SCALAR}};
  return engine.ingest("fields", step, 0.5 * static_cast<double>(step), columns, 3, false, message);
}

// Steps [first, last] of `run`, flushing after every `flush_every` frames.
void write_steps(const std::string& root, int run, int64_t first, int64_t last, int64_t flush_every) {
  auto engine = Engine::open(root, config());
  std::string message;
  for (int64_t step = first; step <= last; ++step) {
    ASSERT_EQ(ingest(*engine, run, step, message), Status::ok) << message;
    if ((step - first + 1) % flush_every == 0) engine->flush();
  }
  engine->close();
}

// What a reader that globs <root>/fields/**/*.parquet sees: per step, the run
// its rows came from (-1 when a frame's rows do not all match one run), and
// how many times the step appears.
struct Visible {
  std::map<int64_t, int> run_of_step;
  std::map<int64_t, int> frames_of_step;
  std::set<std::string> files;  // relative to the dataset
};

void read_into(const std::string& path, Visible& out) {
  const auto file = testing_support::read_plain_parquet(path);
  const auto& steps = file.columns.at("step");
  std::map<int64_t, std::vector<std::size_t>> rows_of;
  for (std::size_t i = 0; i < steps.size(); ++i) rows_of[static_cast<int64_t>(steps[i])].push_back(i);
  for (const auto& [step, rows] : rows_of) {
    out.frames_of_step[step] += static_cast<int>(rows.size() / kRows);
    int run = -1;
    for (int candidate : {0, 1, 2}) {
      bool all = rows.size() == kRows;
      for (std::size_t r = 0; r < rows.size() && all; ++r) {
        const double v = v_of(candidate, step, r);
        uint64_t v_bits;
        std::memcpy(&v_bits, &v, 8);
        all = file.columns.at("v")[rows[r]] == v_bits &&
              file.columns.at("k")[rows[r]] == static_cast<uint32_t>(k_of(candidate, step, r)) &&
              file.columns.at("s")[rows[r]] == static_cast<uint32_t>(static_cast<int32_t>(s_of(candidate, step))) &&
              file.columns.at("time")[rows[r]] == [&] {
                const double t = 0.5 * static_cast<double>(step);
                uint64_t bits;
                std::memcpy(&bits, &t, 8);
                return bits;
              }();
      }
      if (all) run = candidate;
    }
    out.run_of_step[step] = run;
  }
}

Visible visible(const std::string& root) {
  Visible out;
  for (const auto& entry : fs::recursive_directory_iterator(root + "/fields")) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name[0] == '.' || entry.path().extension() != ".parquet") continue;
    out.files.insert(fs::relative(entry.path(), root).string());
    read_into(entry.path().string(), out);
  }
  return out;
}

// Steps [first, last] each exactly once, from `run`.
std::map<int64_t, int> steps_of_run(int64_t first, int64_t last, int run) {
  std::map<int64_t, int> out;
  for (int64_t s = first; s <= last; ++s) out[s] = run;
  return out;
}

std::set<std::string> manifest_files(const Dataset& dataset) {
  std::set<std::string> out;
  for (const auto& f : dataset.files()) out.insert(f.path);
  return out;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void expect_each_step_once(const Visible& seen) {
  for (const auto& [step, frames] : seen.frames_of_step) EXPECT_EQ(frames, 1) << "step " << step;
}

OpenOptions resume_at(int64_t step) {
  OpenOptions options;
  options.resume_from_step = step;
  return options;
}

class Resume : public ::testing::Test {
 protected:
  testing_support::ScratchDirectory scratch_;
  const std::string& root_ = scratch_.path();
};

TEST_F(Resume, a_straddling_file_keeps_its_frames_up_to_the_step_and_the_original_is_set_aside) {
  write_steps(root_, 0, 0, 9, 100);  // one file, several row groups
  const Visible before = visible(root_);
  ASSERT_EQ(before.files.size(), 1u);
  const std::string original = *before.files.begin();
  const std::string original_bytes = file_bytes(root_ + "/" + original);

  auto dataset = Dataset::open(root_, resume_at(4));
  const RecoveryReport& report = dataset->recovery();
  ASSERT_EQ(report.retired.size(), 1u);
  const RetiredFile& retired = report.retired[0];
  EXPECT_EQ(retired.path, original);
  EXPECT_EQ(retired.stream, "fields");
  EXPECT_EQ(retired.frames_retired, 5);
  EXPECT_EQ(retired.step_min, 5);
  EXPECT_EQ(retired.step_max, 9);
  EXPECT_EQ(retired.frames_kept, 5);
  EXPECT_FALSE(retired.kept_as.empty());
  EXPECT_EQ(retired.moved_to.rfind("_simingest/retired/", 0), 0u) << retired.moved_to;
  EXPECT_EQ(report.resumed_from_step, 4);
  EXPECT_FALSE(report.clean());

  const Visible after = visible(root_);
  EXPECT_EQ(after.run_of_step, steps_of_run(0, 4, 0));
  expect_each_step_once(after);
  EXPECT_EQ(after.files, std::set<std::string>{retired.kept_as});
  EXPECT_EQ(manifest_files(*dataset), after.files);
  const ManifestFile& kept = dataset->files().at(0);
  EXPECT_EQ(kept.step_min, 0);
  EXPECT_EQ(kept.step_max, 4);
  EXPECT_EQ(kept.frames, 5);
  EXPECT_EQ(kept.rows, static_cast<int64_t>(5 * kRows));
  EXPECT_EQ(dataset->durable_steps()->last_step("fields"), 4);

  // Not deleted: the original, byte for byte, and the record of what was done.
  EXPECT_EQ(file_bytes(root_ + "/" + retired.moved_to), original_bytes);
  const std::string directory = root_ + "/" + retired.moved_to.substr(0, retired.moved_to.size() - original.size());
  EXPECT_TRUE(fs::exists(directory + "retired.json"));
  EXPECT_FALSE(fs::exists(directory + "intent.json"));
  const auto record = nlohmann::json::parse(file_bytes(directory + "retired.json"));
  EXPECT_EQ(record["resumeFromStep"], 4);
  EXPECT_EQ(record["files"][0]["keptAs"], retired.kept_as);

  // The report reaches stats as JSON.
  const auto json = nlohmann::json::parse(report.to_json());
  EXPECT_EQ(json["retired"][0]["framesRetired"], 5);
  EXPECT_EQ(json["retired"][0]["keptAs"], retired.kept_as);
}

TEST_F(Resume, files_entirely_after_the_step_are_retired_whole_and_earlier_files_are_untouched) {
  write_steps(root_, 0, 0, 14, 5);  // files of steps 0-4, 5-9, 10-14
  const Visible before = visible(root_);
  ASSERT_EQ(before.files.size(), 3u);
  std::map<std::string, std::string> bytes_before;
  for (const auto& f : before.files) bytes_before[f] = file_bytes(root_ + "/" + f);

  auto dataset = Dataset::open(root_, resume_at(4));
  const auto& retired = dataset->recovery().retired;
  ASSERT_EQ(retired.size(), 2u);
  int64_t frames = 0;
  for (const auto& r : retired) {
    EXPECT_TRUE(r.kept_as.empty());
    EXPECT_EQ(r.frames_kept, 0);
    EXPECT_EQ(file_bytes(root_ + "/" + r.moved_to), bytes_before.at(r.path));
    frames += r.frames_retired;
  }
  EXPECT_EQ(frames, 10);
  const Visible after = visible(root_);
  EXPECT_EQ(after.run_of_step, steps_of_run(0, 4, 0));
  ASSERT_EQ(after.files.size(), 1u);
  EXPECT_EQ(file_bytes(root_ + "/" + *after.files.begin()), bytes_before.at(*after.files.begin()));
  EXPECT_EQ(manifest_files(*dataset), after.files);
}

TEST_F(Resume, nothing_after_the_step_changes_nothing) {
  write_steps(root_, 0, 0, 9, 4);
  const Visible before = visible(root_);
  std::map<std::string, std::string> bytes_before;
  for (const auto& f : before.files) bytes_before[f] = file_bytes(root_ + "/" + f);
  for (int64_t step : {int64_t{9}, int64_t{1000}}) {
    auto dataset = Dataset::open(root_, resume_at(step));
    EXPECT_TRUE(dataset->recovery().retired.empty());
    EXPECT_TRUE(dataset->recovery().clean());
    EXPECT_EQ(dataset->recovery().resumed_from_step, step);
    EXPECT_EQ(manifest_files(*dataset), before.files);
  }
  for (const auto& [f, bytes] : bytes_before) EXPECT_EQ(file_bytes(root_ + "/" + f), bytes) << f;
  EXPECT_FALSE(fs::exists(root_ + "/_simingest/retired"));
}

TEST_F(Resume, resuming_twice_retires_further_and_the_same_step_again_is_a_no_op) {
  write_steps(root_, 0, 0, 11, 4);  // files 0-3, 4-7, 8-11
  {
    auto dataset = Dataset::open(root_, resume_at(9));
    EXPECT_EQ(dataset->recovery().retired.size(), 1u);  // 8-11 straddles
  }
  EXPECT_EQ(visible(root_).run_of_step, steps_of_run(0, 9, 0));
  {
    auto dataset = Dataset::open(root_, resume_at(9));
    EXPECT_TRUE(dataset->recovery().retired.empty());
  }
  {
    auto dataset = Dataset::open(root_, resume_at(2));
    const auto& retired = dataset->recovery().retired;
    ASSERT_EQ(retired.size(), 3u);  // 0-3 straddles; 4-7 and the kept 8-9 go whole
    int kept = 0;
    for (const auto& r : retired) kept += !r.kept_as.empty();
    EXPECT_EQ(kept, 1);
  }
  const Visible after = visible(root_);
  EXPECT_EQ(after.run_of_step, steps_of_run(0, 2, 0));
  expect_each_step_once(after);
  // Two retirements, each its own directory; every frame ever written is in one of them or visible.
  std::set<std::string> directories;
  std::map<int64_t, int> kept_aside;
  for (const auto& entry : fs::recursive_directory_iterator(root_ + "/_simingest/retired")) {
    if (entry.path().filename() == "retired.json") directories.insert(entry.path().parent_path().string());
    if (entry.path().extension() != ".parquet") continue;
    Visible aside;
    read_into(entry.path().string(), aside);
    for (const auto& [step, n] : aside.frames_of_step) kept_aside[step] += n;
  }
  EXPECT_EQ(directories.size(), 2u);
  for (int64_t step = 0; step <= 11; ++step) EXPECT_GE(kept_aside[step] + (after.frames_of_step.count(step) ? after.frames_of_step.at(step) : 0), 1) << step;
}

TEST_F(Resume, a_resume_before_the_first_step_retires_everything) {
  write_steps(root_, 0, 5, 9, 100);
  auto dataset = Dataset::open(root_, resume_at(4));
  ASSERT_EQ(dataset->recovery().retired.size(), 1u);
  EXPECT_TRUE(dataset->recovery().retired[0].kept_as.empty());
  EXPECT_TRUE(dataset->files().empty());
  EXPECT_TRUE(visible(root_).files.empty());
  EXPECT_FALSE(dataset->durable_steps()->last_step("fields").has_value());
}

// Every k-th crash point (SIMINGEST_SWEEP_STRIDE, as the crash-point sweep of
// recovery reads it); sanitized builds, several times slower, take every third.
uint64_t crash_point_stride() { return testing_support::sweep_stride(3); }

// A crash at any file operation of a resume (the power goes: whatever was not
// fsynced is undone) leaves a dataset that the next open, with or without
// resumeFromStep, makes consistent: each step visible at most once, the
// manifest listing exactly the visible files, no frame lost (visible or set
// aside), and once resumed, exactly the steps up to the resume step.
TEST_F(Resume, a_crash_at_any_operation_of_a_resume_is_completed_by_the_next_open) {
  const std::string base = scratch_ / "base";
  write_steps(base, 0, 0, 11, 4);   // files 0-3, 4-7, 8-11
  write_steps(base, 0, 12, 13, 100);  // and 12-13
  constexpr int64_t kStep = 5;      // 4-7 straddles, 8-11 and 12-13 go whole
  auto copy_of_base = [&](const std::string& name) {
    const std::string root = scratch_ / name;
    fs::copy(base, root, fs::copy_options::recursive);
    return root;
  };
  uint64_t operations = 0;
  {
    const std::string root = copy_of_base("reference");
    FaultInjectingFileOps ops(root, FaultPlan{});
    {
      ScopedFileOps installed(ops);
      Dataset::open(root, resume_at(kStep));
    }
    operations = ops.operations();
    EXPECT_EQ(visible(root).run_of_step, steps_of_run(0, kStep, 0));
  }
  ASSERT_GT(operations, 10u);

  int rolled_forward = 0, untouched = 0, swept = 0;
  const uint64_t stride = crash_point_stride();
  for (CrashModel model : {CrashModel::power_loss, CrashModel::process_kill}) {
    for (uint64_t k = 1; k <= operations; k += stride) {
      ++swept;
      SCOPED_TRACE("crash at operation " + std::to_string(k) + (model == CrashModel::power_loss ? " (power loss)" : " (kill)"));
      const std::string root = copy_of_base("crash-" + std::to_string(static_cast<int>(model)) + "-" + std::to_string(k));
      {
        FaultInjectingFileOps ops(root, FaultPlan{k, FaultKind::crash, EIO, model, k});
        {
          ScopedFileOps installed(ops);
          try {
            Dataset::open(root, resume_at(kStep));
          } catch (const Error&) {
            // the crash
          }
        }
        ASSERT_TRUE(ops.fired());
        ops.settle();
      }
      {
        auto dataset = Dataset::open(root);  // no resumeFromStep
        const Visible seen = visible(root);
        expect_each_step_once(seen);
        EXPECT_EQ(manifest_files(*dataset), seen.files);
        if (seen.run_of_step == steps_of_run(0, 13, 0)) {
          ++untouched;  // crashed before the plan was durable: nothing happened
        } else {
          EXPECT_EQ(seen.run_of_step, steps_of_run(0, kStep, 0));
          ++rolled_forward;
          EXPECT_FALSE(dataset->recovery().retired.empty() && dataset->recovery().missing.empty() &&
                       !fs::exists(root + "/_simingest/retired"));
        }
        // No frame lost: every step is visible or set aside.
        std::map<int64_t, int> aside;
        if (fs::exists(root + "/_simingest/retired"))
          for (const auto& entry : fs::recursive_directory_iterator(root + "/_simingest/retired")) {
            if (entry.path().extension() != ".parquet") continue;
            Visible v;
            read_into(entry.path().string(), v);
            for (const auto& [step, n] : v.frames_of_step) aside[step] += n;
          }
        for (int64_t step = 0; step <= 13; ++step)
          EXPECT_GE(aside[step] + (seen.frames_of_step.count(step) ? seen.frames_of_step.at(step) : 0), 1) << step;
      }
      {
        auto dataset = Dataset::open(root, resume_at(kStep));
        const Visible seen = visible(root);
        EXPECT_EQ(seen.run_of_step, steps_of_run(0, kStep, 0));
        expect_each_step_once(seen);
        EXPECT_EQ(manifest_files(*dataset), seen.files);
      }
      fs::remove_all(root);
    }
  }
  EXPECT_GT(rolled_forward, 0);
  EXPECT_GT(untouched, 0);
  std::cout << "[ resume   ] " << operations << " operations per resume, " << swept
            << " crash points swept: " << rolled_forward << " rolled forward, " << untouched << " before the plan\n";
}

// The engine: checkpoint() before and after, the re-run's duplicates skipped
// and counted, and readers see run 1 up to the step and run 2 after it.
TEST_F(Resume, a_rerun_from_the_checkpoint_replaces_the_frames_after_it_and_skips_duplicates) {
  {
    auto engine = Engine::open(root_, config());
    EXPECT_EQ(nlohmann::json::parse(engine->checkpoint_json()), nlohmann::json::parse(R"({"fields":null})"));
    std::string message;
    for (int64_t step = 0; step <= 9; ++step) {
      ASSERT_EQ(ingest(*engine, 0, step, message), Status::ok) << message;
      if (step == 6) engine->flush();
    }
    EXPECT_EQ(nlohmann::json::parse(engine->checkpoint_json())["fields"], 6);
    engine->close();
    EXPECT_EQ(nlohmann::json::parse(engine->checkpoint_json())["fields"], 9);  // still answers after close
  }
  auto engine = Engine::open(root_, config(4));
  EXPECT_EQ(nlohmann::json::parse(engine->checkpoint_json())["fields"], 4);
  const auto opened = nlohmann::json::parse(engine->stats_json());
  EXPECT_EQ(opened["recovery"]["resumedFromStep"], 4);
  EXPECT_FALSE(opened["recovery"]["retired"].empty());
  std::string message;
  for (int64_t step = 2; step <= 9; ++step) ASSERT_EQ(ingest(*engine, 1, step, message), Status::ok) << message;
  engine->flush();
  const auto stats = nlohmann::json::parse(engine->stats_json());
  const auto& fields = stats["streams"]["fields"];
  EXPECT_EQ(fields["framesSkippedDuplicate"], 3);  // steps 2, 3, 4
  EXPECT_EQ(fields["framesCommitted"], 5);
  EXPECT_EQ(fields["framesAccepted"], 8);
  EXPECT_EQ(fields["framesInFlight"], 0);
  EXPECT_EQ(stats["framesSkippedDuplicate"], 3);
  EXPECT_EQ(nlohmann::json::parse(engine->checkpoint_json())["fields"], 9);
  engine->close();

  std::map<int64_t, int> expected = steps_of_run(0, 4, 0);
  for (int64_t step = 5; step <= 9; ++step) expected[step] = 1;
  const Visible seen = visible(root_);
  EXPECT_EQ(seen.run_of_step, expected);
  expect_each_step_once(seen);

  // Without resumeFromStep nothing is skipped: the caller's frames are written.
  auto plain = Engine::open(root_, config());
  ASSERT_EQ(ingest(*plain, 2, 0, message), Status::ok);
  plain->flush();
  EXPECT_EQ(nlohmann::json::parse(plain->stats_json())["framesSkippedDuplicate"], 0);
  plain->close();
  EXPECT_EQ(visible(root_).frames_of_step.at(0), 2);
}

}  // namespace
}  // namespace simingest::storage
