// Salvage on recovery (docs/RELIABILITY.md): a file in progress when the
// process died keeps the row groups its journal proves complete; the rest is
// cut off and reported. The crashed state is made by the real engine: frames
// are ingested without a flush, the journal is seen to record them, and the
// file layer then "crashes" (nothing more reaches the disk, as after kill -9).
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/crash_workload.hpp"
#include "support/deadline.hpp"
#include "support/scratch_directory.hpp"

namespace simingest {
namespace {

using testing_support::CrashModel;
using testing_support::FaultInjectingFileOps;
using testing_support::FaultKind;
using testing_support::FaultPlan;
using namespace testing_support::crash_workload;
namespace fs = std::filesystem;

class JournalSalvage : public ::testing::Test {
 protected:
  testing_support::ScratchDirectory scratch_;
  const std::string root_ = scratch_ / "run";
};

TEST_F(JournalSalvage, keeps_every_journaled_row_group_and_reports_it) {
  crash_with_journaled_row_groups(root_);
  const std::string journal = journal_of_stream_a(root_);
  const std::string inprogress = journal.substr(0, journal.size() - std::strlen(".journal"));
  const uint64_t found_bytes = fs::file_size(inprogress);

  const Verdict verdict = check_dataset(root_, {{"a", 1}}, true);
  EXPECT_TRUE(verdict.violations.empty()) << verdict.violations.front();
  EXPECT_EQ(verdict.steps.at("a"), 4);  // the flushed frame and the three salvaged ones
  ASSERT_EQ(verdict.report.salvaged.size(), 1u);
  const storage::SalvagedFile& salvaged = verdict.report.salvaged[0];
  EXPECT_EQ(salvaged.row_groups, 3);
  EXPECT_EQ(salvaged.frames, 3);
  EXPECT_EQ(salvaged.rows, static_cast<int64_t>(3 * kRows));
  EXPECT_EQ(salvaged.bytes_discarded, 0u);  // the writer had written nothing past the third row group
  EXPECT_TRUE(verdict.listed.count(salvaged.path));
  EXPECT_GT(fs::file_size(root_ + "/" + salvaged.path), found_bytes);  // the footer was added
  EXPECT_TRUE(verdict.report.removed.empty());

  // Recovery is done: opening again finds nothing to do.
  const Verdict again = check_dataset(root_, {{"a", 4}}, true);
  EXPECT_TRUE(again.violations.empty()) << again.violations.front();
  EXPECT_TRUE(again.report.clean()) << again.report.to_json();
}

TEST_F(JournalSalvage, stops_at_the_first_row_group_whose_bytes_do_not_match_their_crc) {
  crash_with_journaled_row_groups(root_);
  const std::string journal = journal_of_stream_a(root_);
  const std::string inprogress = journal.substr(0, journal.size() - std::strlen(".journal"));
  const auto records = read_journal(journal).records;
  ASSERT_EQ(records.size(), 3u);
  const uint64_t size = fs::file_size(inprogress);
  {  // one flipped bit in the middle of the second row group
    std::fstream file(inprogress, std::ios::in | std::ios::out | std::ios::binary);
    const auto at = static_cast<std::streamoff>((records[0].end_offset + records[1].end_offset) / 2);
    file.seekg(at);
    char byte = 0;
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x10);
    file.seekp(at);
    file.write(&byte, 1);
  }
  const Verdict verdict = check_dataset(root_, {{"a", 1}}, true);
  EXPECT_TRUE(verdict.violations.empty()) << verdict.violations.front();
  EXPECT_EQ(verdict.steps.at("a"), 2);
  ASSERT_EQ(verdict.report.salvaged.size(), 1u);
  EXPECT_EQ(verdict.report.salvaged[0].row_groups, 1);
  EXPECT_EQ(verdict.report.salvaged[0].bytes_discarded, size - records[0].end_offset);
}

TEST_F(JournalSalvage, a_torn_journal_record_keeps_the_records_before_it) {
  crash_with_journaled_row_groups(root_);
  const std::string journal = journal_of_stream_a(root_);
  fs::resize_file(journal, fs::file_size(journal) - 5);
  const Verdict verdict = check_dataset(root_, {{"a", 1}}, true);
  EXPECT_TRUE(verdict.violations.empty()) << verdict.violations.front();
  EXPECT_EQ(verdict.steps.at("a"), 3);
  ASSERT_EQ(verdict.report.salvaged.size(), 1u);
  EXPECT_EQ(verdict.report.salvaged[0].row_groups, 2);
  EXPECT_GT(verdict.report.salvaged[0].bytes_discarded, 0u);
}

TEST_F(JournalSalvage, a_file_without_its_journal_is_removed_and_reported) {
  crash_with_journaled_row_groups(root_);
  const std::string journal = journal_of_stream_a(root_);
  const std::string inprogress = journal.substr(0, journal.size() - std::strlen(".journal"));
  const uint64_t size = fs::file_size(inprogress);
  fs::remove(journal);
  const Verdict verdict = check_dataset(root_, {{"a", 1}}, true);
  EXPECT_TRUE(verdict.violations.empty()) << verdict.violations.front();
  EXPECT_EQ(verdict.steps.at("a"), 1);
  EXPECT_TRUE(verdict.report.salvaged.empty());
  ASSERT_EQ(verdict.report.removed.size(), 1u);
  EXPECT_EQ(verdict.report.removed[0].path, fs::relative(inprogress, root_).string());
  EXPECT_EQ(verdict.report.removed[0].bytes, size);
  EXPECT_FALSE(fs::exists(inprogress));
}

// A crash during recovery itself — at every operation of the salvaging open,
// under each crash model — is repaired by the next open, with nothing lost:
// salvage is redone from the same journal.
TEST_F(JournalSalvage, a_crash_at_any_operation_of_the_salvage_is_redone_by_the_next_open) {
  const std::string crashed = scratch_ / "crashed";
  crash_with_journaled_row_groups(crashed);
  uint64_t operations = 0;
  {
    const std::string root = scratch_ / "reference";
    fs::copy(crashed, root, fs::copy_options::recursive);
    FaultInjectingFileOps ops(root);
    storage::ScopedFileOps installed(ops);
    auto dataset = storage::Dataset::open(root);
    ASSERT_EQ(dataset->recovery().salvaged.size(), 1u);
    operations = ops.operations();
  }
  ASSERT_GT(operations, 5u);
  int swept = 0;
  for (CrashModel model : {CrashModel::power_loss, CrashModel::torn_tail, CrashModel::process_kill}) {
    for (uint64_t k = 1; k <= operations; ++k) {
      const std::string root = scratch_ / ("run-" + std::to_string(swept++));
      fs::copy(crashed, root, fs::copy_options::recursive);
      FaultInjectingFileOps ops(root, FaultPlan{k, FaultKind::crash, EIO, model, k});
      {
        storage::ScopedFileOps installed(ops);
        EXPECT_THROW(storage::Dataset::open(root), Error) << "k=" << k;
      }
      ASSERT_TRUE(ops.fired());
      ops.settle();
      const Verdict verdict = check_dataset(root, {{"a", 1}}, true);
      EXPECT_TRUE(verdict.violations.empty()) << "crash at recovery operation " << k << " (" << ops.fired_at()
                                              << "): " << verdict.violations.front();
      EXPECT_EQ(verdict.steps.at("a"), 4) << "crash at recovery operation " << k << " (" << ops.fired_at() << ")";
      fs::remove_all(root);
    }
  }
  std::cout << "[ salvage  ] " << swept << " crash points swept inside recovery (" << operations
            << " operations each)\n";
}

}  // namespace
}  // namespace simingest
