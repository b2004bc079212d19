#include "storage/durable_io.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "core/status.hpp"
#include "support/scratch_directory.hpp"

namespace simingest::storage {
namespace {

using testing_support::directory_names;
using testing_support::exists;
using testing_support::read_text_file;
using testing_support::ScratchDirectory;
using testing_support::write_text_file;

TEST(DurableIoTest, make_directories_creates_missing_parents) {
  ScratchDirectory scratch;
  make_directories(scratch / "a/b/c");
  EXPECT_TRUE(std::filesystem::is_directory(scratch / "a/b/c"));
  EXPECT_NO_THROW(make_directories(scratch / "a/b/c"));  // existing: nothing to do
}

TEST(DurableIoTest, make_directories_names_a_component_that_is_a_file) {
  ScratchDirectory scratch;
  write_text_file(scratch / "a", "x");
  try {
    make_directories(scratch / "a/b");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::io);
    EXPECT_EQ(std::string(e.what()), "create directory " + (scratch / "a") + ": Not a directory");
  }
}

TEST(DurableIoTest, replace_file_swaps_contents_and_leaves_no_temporary) {
  ScratchDirectory scratch;
  const std::string path = scratch / "manifest.json";
  write_text_file(path, "old contents that are longer");
  IoTimings timings;
  replace_file(path, "new", timings);
  EXPECT_EQ(read_text_file(path), "new");
  EXPECT_EQ(directory_names(scratch.path()), std::vector<std::string>{"manifest.json"});
  EXPECT_GT(timings.fsync_ns, 0);
}

TEST(DurableIoTest, failing_system_call_names_operation_and_path) {
  ScratchDirectory scratch;
  try {
    read_file(scratch / "missing");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "open " + (scratch / "missing") + ": No such file or directory");
  }
}

TEST(DurableIoTest, regular_file_size_reports_size_or_absence) {
  ScratchDirectory scratch;
  write_text_file(scratch / "f", "12345");
  EXPECT_EQ(regular_file_size(scratch / "f"), std::optional<uint64_t>(5));
  EXPECT_EQ(regular_file_size(scratch / "nothing"), std::nullopt);
  EXPECT_THROW(regular_file_size(scratch.path()), Error);
}

TEST(DurableIoTest, remove_file_accepts_a_file_already_gone) {
  ScratchDirectory scratch;
  write_text_file(scratch / "f", "x");
  remove_file(scratch / "f");
  EXPECT_FALSE(exists(scratch / "f"));
  EXPECT_NO_THROW(remove_file(scratch / "f"));
}

TEST(DurableIoTest, write_all_writes_every_byte) {
  ScratchDirectory scratch;
  const std::string path = scratch / "f";
  FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  ASSERT_GE(fd.get(), 0);
  std::string data(3 << 20, 'q');
  write_all(fd.get(), data.data(), data.size(), path);
  fd.reset();
  EXPECT_EQ(read_text_file(path), data);
}

TEST(DurableIoTest, parent_directory_of_paths) {
  EXPECT_EQ(parent_directory("/a/b/c"), "/a/b");
  EXPECT_EQ(parent_directory("/a/b/"), "/a");
  EXPECT_EQ(parent_directory("/a"), "/");
  EXPECT_EQ(parent_directory("a"), ".");
  EXPECT_EQ(parent_directory("a/b"), "a");
}

}  // namespace
}  // namespace simingest::storage
