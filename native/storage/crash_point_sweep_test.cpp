// The crash-point sweep (issue 6, test 2; docs/RELIABILITY.md): a fixed
// workload (test/support/crash_workload.hpp) runs through the real engine
// with the fault-injecting file layer (test/support/fault_injecting_file_ops.hpp).
// For every operation k the workload performs, operation k "crashes" (under
// three crash models) or fails (EIO, ENOSPC, a short write), and the dataset
// reopened with recovery must be exactly a committed prefix of the workload
// (check_dataset). A failure must reach the host as a typed status (io or
// no_space), after which the engine refuses frames. The negative control
// reopens without recovery and must see violations.
//
// Sanitizer builds sweep every 4th operation (the full sweep is the plain
// build's); SIMINGEST_SWEEP_STRIDE overrides the stride.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "support/crash_workload.hpp"
#include "support/fault_injecting_file_ops.hpp"
#include "support/sweep_stride.hpp"
#include "support/scratch_directory.hpp"
#include "support/tree_snapshot.hpp"

namespace simingest {
namespace {

using testing_support::CrashModel;
using testing_support::crash_model_name;
using testing_support::FaultInjectingFileOps;
using testing_support::FaultKind;
using testing_support::FaultPlan;
using namespace testing_support::crash_workload;

// ---- the sweeps ----------------------------------------------------------------

// If a crash at operation k (which then does not happen) comes after a data
// file was renamed into place and before the manifest listing it was — the
// window of ADR 7 that recovery closes by adopting or removing the file —
// that file's path up to its writer id ("a/part=0/part-00000003-"), which is
// random per run; else "".
std::string renamed_but_unlisted(const std::vector<std::string>& log, uint64_t k) {
  for (uint64_t i = k - 1; i-- > 0;) {
    if (log[i].rfind("rename ", 0) != 0) continue;
    if (ends_with(log[i], "/manifest.json.tmp")) return "";
    if (!ends_with(log[i], ".parquet.inprogress")) continue;
    std::size_t start = log[i].size();
    for (int slashes = 0; slashes < 3; ++slashes) start = log[i].rfind('/', start - 1);
    std::string path = log[i].substr(start + 1);               // a/part=0/.part-00000003-ab12cd34.parquet.inprogress
    path.erase(path.rfind('/') + 1, 1);                         // the leading '.'
    return path.substr(0, path.rfind('-') + 1);                 // a/part=0/part-00000003-
  }
  return "";
}

uint64_t sweep_stride() { return testing_support::sweep_stride(4); }

constexpr uint64_t kExtraSeeds[] = {1000003, 2000003, 3000017};

class CrashPointSweep : public ::testing::Test {
 protected:
  testing_support::ScratchDirectory scratch_;
  int run_ = 0;
  std::vector<std::string> reference_log_;  // the operations of the fault-free run

  std::string fresh_root() { return scratch_ / ("run" + std::to_string(run_++)); }

  // The torn-tail crash at operation k again with other seeds: each recovered
  // dataset must be a committed prefix too (a violation counts in `failures`);
  // returns the files adopted under `renamed` (see renamed_but_unlisted).
  uint64_t adoptions_with_more_seeds(uint64_t k, const std::string& renamed, uint64_t& failures) {
    uint64_t adopted = 0;
    for (uint64_t seed : kExtraSeeds) {
      const std::string root = fresh_root();
      FaultInjectingFileOps ops(root, FaultPlan{k, FaultKind::crash, EIO, CrashModel::torn_tail, k + seed});
      const RunOutcome outcome = run_workload(root, ops);
      ops.settle();
      const Verdict verdict = check_dataset(root, outcome.flushed, true);
      if (!verdict.violations.empty()) {
        ++failures;
        ADD_FAILURE() << "torn_tail crash at operation " << k << " (seed " << k + seed << "): " << verdict.violations.front();
      }
      for (const auto& file : verdict.report.salvaged) adopted += file.path.rfind(renamed, 0) == 0;
      std::filesystem::remove_all(root);
    }
    return adopted;
  }

  // Operations the workload performs when nothing goes wrong (and that
  // nothing goes wrong then).
  uint64_t reference_operations() {
    const std::string root = fresh_root();
    FaultInjectingFileOps ops(root, FaultPlan{});
    const RunOutcome outcome = run_workload(root, ops);
    EXPECT_EQ(outcome.error, Status::ok) << outcome.message;
    const Verdict verdict = check_dataset(root, outcome.flushed, true);
    EXPECT_TRUE(verdict.violations.empty()) << verdict.violations.front();
    EXPECT_EQ(verdict.steps.at("a"), kSteps);
    EXPECT_TRUE(verdict.report.clean());
    reference_log_ = ops.log();
    std::filesystem::remove_all(root);
    return outcome.operations;
  }
};

TEST_F(CrashPointSweep, a_crash_at_every_operation_recovers_to_a_committed_prefix) {
  const uint64_t operations = reference_operations();
  ASSERT_GT(operations, 50u);
  const uint64_t stride = sweep_stride();
  uint64_t swept = 0, salvaged_files = 0, salvaged_beyond_flush = 0, removed = 0, missing = 0, failures = 0;
  uint64_t window_points = 0, adopted = 0;
  for (CrashModel model : {CrashModel::power_loss, CrashModel::torn_tail, CrashModel::process_kill}) {
    for (uint64_t k = 1; k <= operations; k += stride) {
      const std::string root = fresh_root();
      FaultInjectingFileOps ops(root, FaultPlan{k, FaultKind::crash, EIO, model, k});
      const RunOutcome outcome = run_workload(root, ops);
      ASSERT_TRUE(outcome.fired) << crash_model_name(model) << " k=" << k << ": the workload ended before operation k";
      ops.settle();
      const Verdict verdict = check_dataset(root, outcome.flushed, true);
      ++swept;
      if (!verdict.violations.empty()) {
        ++failures;
        ADD_FAILURE() << crash_model_name(model) << " crash at operation " << k << " (" << outcome.fired_at
                      << "): " << verdict.violations.front() << " (" << verdict.violations.size() << " violations)";
      }
      salvaged_files += verdict.report.salvaged.size();
      if (const std::string renamed = renamed_but_unlisted(reference_log_, k); !renamed.empty()) {
        ++window_points;
        for (const auto& file : verdict.report.salvaged) adopted += file.path.rfind(renamed, 0) == 0;
        // Whether a torn tail keeps what adoption needs depends on the model's
        // seed (which prefix of each unsynced tail survives), so one seed per
        // point left the adoption check hanging on the operation numbering:
        // the direct I/O path's extra writes shifted it and no window point
        // adopted (ADR 0025). A few more seeds at these points only.
        if (model == CrashModel::torn_tail && stride == 1) adopted += adoptions_with_more_seeds(k, renamed, failures);
      }
      removed += verdict.report.removed.size();
      missing += verdict.report.missing.size();
      for (const char* stream : kStreams) {
        auto f = outcome.flushed.find(stream);
        if (verdict.steps.at(stream) > (f == outcome.flushed.end() ? 0 : f->second)) ++salvaged_beyond_flush;
      }
      std::filesystem::remove_all(root);
      if (failures > 10) FAIL() << "stopping after 10 failing crash points";
    }
  }
  std::cout << "[ sweep    ] " << operations << " operations per run, " << swept << " crash points swept (stride "
            << stride << "): " << salvaged_files << " files salvaged, " << removed << " leftovers removed, "
            << missing << " missing entries dropped, " << salvaged_beyond_flush
            << " runs kept frames past the last flush; " << window_points
            << " crash points between a file's rename and its manifest, " << adopted << " files adopted there\n";
  RecordProperty("crash_points", static_cast<int>(swept));
  // The sweep must exercise salvage, or it proves nothing about it.
  EXPECT_GT(salvaged_files, 0u);
  EXPECT_GT(salvaged_beyond_flush, 0u);
  // And the window between a file's rename and its manifest (ADR 7).
  EXPECT_GT(window_points, 0u);
  // Adoption of a renamed-but-unlisted file happens at few crash points and
  // seeds of the whole sweep, so only the full sweep (stride 1, the plain
  // build, with the extra seeds) must meet it; a strided sweep (sanitizer
  // builds) hits it or not depending on how many operations the workload has.
  if (stride == 1) {
    EXPECT_GT(adopted, 0u);
  }
}

// docs/adr/0011-no-symlinks-inside-a-dataset.md: after a crash at any
// operation, stream a's directory becomes a link to a directory elsewhere.
// The reopen is refused with unsafe_layout and changes nothing (the lock file
// aside, which the open creates if the crash undid it); once the link is
// replaced by the real directory, recovery gives a committed prefix with every
// flushed frame, salvaged ones included.
TEST_F(CrashPointSweep, a_stream_directory_linked_after_a_crash_is_refused_until_it_is_real_again) {
  namespace fs = std::filesystem;
  const uint64_t operations = reference_operations();
  const uint64_t stride = sweep_stride();
  uint64_t refused = 0, salvaged_files = 0, failures = 0;
  for (uint64_t k = 1; k <= operations; k += stride) {
    const CrashModel model = k % 2 ? CrashModel::process_kill : CrashModel::power_loss;
    const std::string root = fresh_root();
    FaultInjectingFileOps ops(root, FaultPlan{k, FaultKind::crash, EIO, model, k});
    const RunOutcome outcome = run_workload(root, ops);
    ops.settle();
    if (!fs::is_directory(root + "/a")) {  // crashed before stream a had a directory
      fs::remove_all(root);
      continue;
    }
    const std::string outside = root + "-outside";
    fs::rename(root + "/a", outside);
    fs::create_directory_symlink(outside, root + "/a");
    const std::string lock = root + "/_simingest/lock";
    auto before = testing_support::snapshot_tree(root, {outside});
    std::string problem;
    try {
      storage::Dataset::open(root);
      problem = "the open succeeded";
    } catch (const Error& e) {
      if (e.status() != Status::unsafe_layout) problem = std::string("the open failed otherwise: ") + e.what();
    }
    auto after = testing_support::snapshot_tree(root, {outside});
    before.erase(lock);
    after.erase(lock);
    if (problem.empty()) problem = testing_support::first_difference(before, after);
    fs::remove(root + "/a");
    fs::rename(outside, root + "/a");
    const Verdict verdict = check_dataset(root, outcome.flushed, true);
    if (problem.empty() && !verdict.violations.empty()) problem = verdict.violations.front();
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << crash_model_name(model) << " crash at operation " << k << " (" << outcome.fired_at
                    << "), then a link: " << problem;
    }
    ++refused;
    salvaged_files += verdict.report.salvaged.size();
    fs::remove_all(root);
    if (failures > 10) FAIL() << "stopping after 10 failing crash points";
  }
  std::cout << "[ symlink  ] " << refused << " crash points with stream a's directory linked: refused, unchanged, "
            << "then " << salvaged_files << " files salvaged once it was real again\n";
  EXPECT_GT(refused, operations / stride / 2);
  EXPECT_GT(salvaged_files, 0u);  // the refusal kept journals that recovery then used
}

TEST_F(CrashPointSweep, negative_control_without_recovery_sees_violations) {
  const uint64_t operations = reference_operations();
  uint64_t violating = 0, swept = 0;
  const uint64_t stride = sweep_stride();
  for (uint64_t k = 1; k <= operations; k += stride) {
    const std::string root = fresh_root();
    FaultInjectingFileOps ops(root, FaultPlan{k, FaultKind::crash, EIO, CrashModel::power_loss, k});
    const RunOutcome outcome = run_workload(root, ops);
    ops.settle();
    ++swept;
    if (!check_dataset(root, outcome.flushed, /*recover=*/false).violations.empty()) ++violating;
    std::filesystem::remove_all(root);
  }
  std::cout << "[ control  ] without recovery " << violating << " of " << swept << " crash points violate the contract\n";
  EXPECT_GT(violating, 0u);
}

TEST_F(CrashPointSweep, a_failure_at_every_operation_reaches_the_host_typed_and_damages_nothing) {
  const uint64_t operations = reference_operations();
  const uint64_t stride = sweep_stride();
  struct Variant {
    FaultKind kind;
    int error;
    Status expected;
    const char* name;
  };
  // The variants take turns: operation k fails the (k mod 3)th way. How a
  // failure travels does not depend on its errno, only the status it maps to.
  const Variant variants[] = {{FaultKind::fail, EIO, Status::io, "EIO"},
                              {FaultKind::fail, ENOSPC, Status::no_space, "ENOSPC"},
                              {FaultKind::short_write, ENOSPC, Status::no_space, "short write, then ENOSPC"}};
  uint64_t swept = 0, failures = 0;
  {
    for (uint64_t k = 1; k <= operations; k += stride) {
      const Variant& variant = variants[k % 3];
      const std::string root = fresh_root();
      FaultInjectingFileOps ops(root, FaultPlan{k, variant.kind, variant.error, CrashModel::power_loss, k});
      const RunOutcome outcome = run_workload(root, ops);
      ASSERT_TRUE(outcome.fired) << variant.name << " k=" << k;
      ++swept;
      std::vector<std::string> problems;
      if (outcome.error != variant.expected)
        problems.push_back(std::string("host saw ") + status_string(outcome.error) + " (" + outcome.message + ")");
      if (!outcome.refused_after_error) problems.push_back("the engine accepted a frame after the error");
      if (!outcome.flush_failed_after_error) problems.push_back("a flush after the error succeeded");
      const Verdict verdict = check_dataset(root, outcome.flushed, true);
      problems.insert(problems.end(), verdict.violations.begin(), verdict.violations.end());
      if (!problems.empty()) {
        ++failures;
        ADD_FAILURE() << variant.name << " at operation " << k << " (" << outcome.fired_at << "): " << problems.front();
      }
      std::filesystem::remove_all(root);
      if (failures > 10) FAIL() << "stopping after 10 failing fault points";
    }
  }
  std::cout << "[ sweep    ] " << swept << " failing operations swept (EIO, ENOSPC, short write)\n";
}

// "A failed fsync is never retried as if it had succeeded": the fsync of the
// third data file the workload commits (the first after the first flush) fails once. The flush reports it, the
// engine stays failed, that file is never fsynced again nor committed, and
// everything committed before it is intact.
TEST_F(CrashPointSweep, a_failed_fsync_is_not_retried_and_its_file_is_never_committed) {
  const std::string reference_root = fresh_root();
  FaultInjectingFileOps reference(reference_root, FaultPlan{});
  run_workload(reference_root, reference);
  const std::vector<std::string> reference_log = reference.log();
  uint64_t k = 0;
  int data_fsyncs = 0;
  for (std::size_t i = 0; i < reference_log.size() && k == 0; ++i)
    if (reference_log[i].rfind("fsync ", 0) == 0 && ends_with(reference_log[i], ".parquet.inprogress") &&
        ++data_fsyncs == 3)
      k = i + 1;
  ASSERT_GT(k, 0u);

  const std::string root = fresh_root();
  FaultInjectingFileOps ops(root, FaultPlan{k, FaultKind::fail, EIO, CrashModel::power_loss, 0});
  const RunOutcome outcome = run_workload(root, ops);
  ASSERT_TRUE(outcome.fired);
  const std::string failed = outcome.fired_at.substr(std::strlen("fsync "));
  ASSERT_TRUE(ends_with(failed, ".parquet.inprogress")) << outcome.fired_at;
  EXPECT_EQ(outcome.error, Status::io) << outcome.message;
  EXPECT_NE(outcome.message.find("fsync"), std::string::npos) << outcome.message;
  EXPECT_TRUE(outcome.refused_after_error);
  EXPECT_TRUE(outcome.flush_failed_after_error);
  const std::vector<std::string> log = ops.log();
  for (std::size_t i = k; i < log.size(); ++i) EXPECT_NE(log[i], "fsync " + failed) << "retried as operation " << i + 1;

  const Verdict verdict = check_dataset(root, outcome.flushed, true);
  EXPECT_TRUE(verdict.violations.empty()) << verdict.violations.front();
  // Hidden ".part-X.parquet.inprogress" would have been committed as "part-X.parquet".
  const std::string name = failed.substr(failed.rfind('/') + 2);
  const std::string committed_name = name.substr(0, name.size() - std::strlen(".inprogress"));
  for (const std::string& path : verdict.listed) EXPECT_FALSE(ends_with(path, committed_name)) << path;
  EXPECT_FALSE(std::filesystem::exists(failed));
  // The first flush (steps 0..2 of both streams) had committed before the failure.
  EXPECT_EQ(outcome.flushed.at("a"), 3);
  EXPECT_GE(verdict.steps.at("a"), 3);
}

}  // namespace
}  // namespace simingest
