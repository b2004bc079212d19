#include "storage/file_appender.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/durable_io.hpp"
#include "support/scratch_directory.hpp"

namespace simingest::storage {
namespace {

using testing_support::ScratchDirectory;

std::vector<unsigned char> pattern(std::size_t size, uint32_t seed) {
  std::vector<unsigned char> bytes(size);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : bytes) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<unsigned char>(x);
  }
  return bytes;
}

std::vector<unsigned char> file_bytes(const std::string& path) {
  const std::string text = read_file(path);
  return std::vector<unsigned char>(text.begin(), text.end());
}

// Appends pieces of awkward sizes (unaligned, larger than the staging
// buffer, exactly a block), handing over after some, as the commit thread
// does after each row group; returns every byte appended.
std::vector<unsigned char> append_pieces(FileAppender& appender, const std::string& path) {
  const std::size_t sizes[] = {4,     4093,    4096,    1,        FileAppender::kStagingBytes + 17,
                               12345, 8 << 20, 3 << 20, 1 << 20, FileAppender::kStagingBytes, 999};
  std::vector<unsigned char> expected;
  uint32_t seed = 1;
  for (std::size_t size : sizes) {
    const auto piece = pattern(size, seed++);
    appender.append(piece.data(), piece.size());
    expected.insert(expected.end(), piece.begin(), piece.end());
    if (seed % 3 == 0) {
      appender.hand_over();
      // What a journal record may then describe is all in the kernel.
      EXPECT_EQ(file_bytes(path), expected) << "after piece " << seed - 1;
    }
  }
  appender.hand_over();
  return expected;
}

class FileAppenderTest : public testing::TestWithParam<CommitIo> {};

TEST_P(FileAppenderTest, every_path_writes_the_same_bytes_and_hands_all_of_them_over) {
  ScratchDirectory scratch;
  const std::string path = scratch / "file";
  FileDescriptor fd = open_file(path, O_WRONLY | O_CREAT | O_EXCL, 0644, "create");
  FileAppender appender(fd.get(), path, GetParam(), true);
  const auto expected = append_pieces(appender, path);
  fsync_file(fd.get(), path);
  EXPECT_EQ(file_bytes(path), expected);
}

INSTANTIATE_TEST_SUITE_P(CommitIo, FileAppenderTest,
                         testing::Values(CommitIo::buffered, CommitIo::direct),
                         [](const testing::TestParamInfo<CommitIo>& param_info) {
                           return std::string(commit_io_name(param_info.param));
                         });

TEST(FileAppenderDirectTest, stays_direct_on_a_file_system_that_supports_it) {
  ScratchDirectory scratch;
  const std::string path = scratch / "file";
  FileDescriptor fd = open_file(path, O_WRONLY | O_CREAT | O_EXCL, 0644, "create");
  FileAppender appender(fd.get(), path, CommitIo::direct, true);
  const auto piece = pattern(3 * FileAppender::kDirectAlignment + 5, 7);
  appender.append(piece.data(), piece.size());
  appender.hand_over();  // the tail goes buffered, then O_DIRECT is back on
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (appender.io() != CommitIo::direct) GTEST_SKIP() << "the scratch file system refuses O_DIRECT";
  EXPECT_NE(flags & O_DIRECT, 0);
  EXPECT_EQ(file_bytes(path), piece);
}

TEST(FileAppenderDirectTest, an_unstaged_appender_writes_straight_through_buffered) {
  ScratchDirectory scratch;
  const std::string path = scratch / "file";
  FileDescriptor fd = open_file(path, O_WRONLY | O_CREAT | O_EXCL, 0644, "create");
  FileAppender appender(fd.get(), path, CommitIo::direct, false);
  EXPECT_EQ(appender.io(), CommitIo::buffered);
  const auto piece = pattern(100, 3);
  appender.append(piece.data(), piece.size());
  EXPECT_EQ(file_bytes(path), piece);  // no hand_over needed: nothing is staged
}

}  // namespace
}  // namespace simingest::storage
