// The file-operation seam, and the crash model of the fault-injecting test
// implementation the crash-point sweep relies on: if the model were wrong,
// the sweep would prove nothing.
#include "storage/file_ops.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <string>

#include "core/status.hpp"
#include "storage/durable_io.hpp"
#include "support/fault_injecting_file_ops.hpp"
#include "support/scratch_directory.hpp"

namespace simingest::storage {
namespace {

using testing_support::CrashModel;
using testing_support::FaultInjectingFileOps;
using testing_support::FaultKind;
using testing_support::FaultPlan;
using testing_support::exists;
using testing_support::read_text_file;
using testing_support::ScratchDirectory;
using testing_support::write_text_file;

TEST(FileOpsTest, a_scoped_installation_is_what_durable_io_uses_and_is_undone) {
  ScratchDirectory scratch;
  EXPECT_EQ(&file_ops(), &posix_file_ops());
  {
    FaultInjectingFileOps ops(scratch.path());
    ScopedFileOps installed(ops);
    EXPECT_EQ(&file_ops(), &ops);
    make_directories(scratch / "d");
    remove_file(scratch / "gone");
    EXPECT_EQ(ops.operations(), 3u);  // mkdir, directory fsync, unlink
  }
  EXPECT_EQ(&file_ops(), &posix_file_ops());
}

// Writes `text` to `path` through durable_io, fsyncing the file if `sync`.
void put(const std::string& path, const std::string& text, bool sync) {
  FileDescriptor fd = open_file(path, O_WRONLY | O_CREAT | O_APPEND, 0644, "create");
  write_all(fd.get(), text.data(), text.size(), path);
  if (sync) fsync_file(fd.get(), path);
}

// Scenario: "old" exists before; "kept" is created, synced, its name synced;
// "unsynced-name" is created and synced but its directory is not synced again;
// "kept" then gets an unsynced tail; "old" is removed without a directory sync.
void scenario(const std::string& dir, FaultInjectingFileOps& ops) {
  ScopedFileOps installed(ops);
  put(dir + "/kept", "durable", true);
  fsync_directory(dir);
  put(dir + "/unsynced-name", "data", true);
  put(dir + "/kept", "+tail", false);
  remove_file(dir + "/old");
}

TEST(FileOpsTest, power_loss_keeps_only_synced_content_under_synced_names) {
  ScratchDirectory scratch;
  write_text_file(scratch / "old", "before");
  FaultInjectingFileOps ops(scratch.path());
  scenario(scratch.path(), ops);
  ops.crash_now(CrashModel::power_loss);
  ops.settle();
  EXPECT_EQ(read_text_file(scratch / "kept"), "durable");
  EXPECT_FALSE(exists(scratch / "unsynced-name"));
  EXPECT_EQ(read_text_file(scratch / "old"), "before");  // its removal was never made durable
}

TEST(FileOpsTest, process_kill_keeps_everything_the_kernel_was_handed) {
  ScratchDirectory scratch;
  write_text_file(scratch / "old", "before");
  FaultInjectingFileOps ops(scratch.path());
  scenario(scratch.path(), ops);
  ops.crash_now(CrashModel::process_kill);
  ops.settle();
  EXPECT_EQ(read_text_file(scratch / "kept"), "durable+tail");
  EXPECT_EQ(read_text_file(scratch / "unsynced-name"), "data");
  EXPECT_FALSE(exists(scratch / "old"));
}

TEST(FileOpsTest, torn_tail_keeps_the_synced_content_and_at_most_the_tail_or_garbage_after_it) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    ScratchDirectory scratch;
    FaultInjectingFileOps ops(scratch.path(), FaultPlan{1000, FaultKind::none, EIO, CrashModel::torn_tail, seed});
    scenario(scratch.path(), ops);
    ops.crash_now(CrashModel::torn_tail);
    ops.settle();
    const std::string kept = read_text_file(scratch / "kept");
    EXPECT_EQ(kept.compare(0, 7, "durable"), 0) << kept;
    EXPECT_LE(kept.size(), 7u + 5u + 64u);
    EXPECT_FALSE(exists(scratch / "unsynced-name"));
  }
}

TEST(FileOpsTest, after_a_crash_nothing_reaches_the_disk) {
  ScratchDirectory scratch;
  FaultInjectingFileOps ops(scratch.path(), FaultPlan{3, FaultKind::crash, EIO, CrashModel::process_kill});
  ScopedFileOps installed(ops);
  make_directories(scratch / "a");  // operations 1 and 2: mkdir, fsync of the parent
  EXPECT_THROW(fsync_directory(scratch.path()), Error);  // operation 3 crashes
  EXPECT_TRUE(ops.crashed());
  EXPECT_THROW(put(scratch / "f", "x", false), Error);
  EXPECT_FALSE(exists(scratch / "f"));
}

TEST(FileOpsTest, a_failed_operation_reports_its_errno_and_later_ones_run) {
  ScratchDirectory scratch;
  FaultInjectingFileOps ops(scratch.path(), FaultPlan{2, FaultKind::fail, ENOSPC});
  ScopedFileOps installed(ops);
  const std::string path = scratch / "f";
  FileDescriptor fd = open_file(path, O_WRONLY | O_CREAT, 0644, "create");  // operation 1
  try {
    write_all(fd.get(), "abc", 3, path);  // operation 2 fails
    FAIL() << "expected ENOSPC";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::no_space);
    EXPECT_NE(std::string(e.what()).find("write " + path), std::string::npos) << e.what();
  }
  write_all(fd.get(), "abc", 3, path);
  EXPECT_EQ(read_text_file(path), "abc");
}

TEST(FileOpsTest, a_short_write_is_completed_until_the_disk_reports_it_full) {
  ScratchDirectory scratch;
  FaultInjectingFileOps ops(scratch.path(), FaultPlan{2, FaultKind::short_write, ENOSPC});
  ScopedFileOps installed(ops);
  const std::string path = scratch / "f";
  FileDescriptor fd = open_file(path, O_WRONLY | O_CREAT, 0644, "create");
  EXPECT_THROW(write_all(fd.get(), "abcdef", 6, path), Error);
  EXPECT_EQ(read_text_file(path), "abc");  // half made it; the retry of the rest failed
}

}  // namespace
}  // namespace simingest::storage
