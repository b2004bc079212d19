// The POSIX file operations the commit protocol is built from. Each either
// completes or throws simingest::io_error("<what> <path>", errno); none leaves
// a descriptor open behind an exception.
//
// Durability rule used throughout storage/: a file's bytes are durable after
// fsync(file); its name is durable after fsync(directory holding it).
//
// Every call that changes the disk goes through file_ops() (storage/file_ops.hpp),
// the seam fault-injection tests replace.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace simingest::storage {

// Time spent, in steady_clock nanoseconds, split the way CommitTimings is.
struct IoTimings {
  int64_t fsync_ns = 0;
  int64_t write_ns = 0;
};

// An owned file descriptor, closed on destruction.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();

  int get() const noexcept { return fd_; }
  int release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// Nanoseconds on the steady clock, for IoTimings.
int64_t steady_now_ns() noexcept;

// Opens `path` (O_CLOEXEC is added); on failure throws io_error("<what> <path>").
FileDescriptor open_file(const std::string& path, int flags, mode_t mode, const char* what);

// Writes all `size` bytes, retrying after EINTR and short writes.
void write_all(int fd, const void* data, std::size_t size, const std::string& path);

void fsync_file(int fd, const std::string& path);
void fsync_directory(const std::string& path);

// Cuts (or extends with zeros) the open file to `size` bytes.
void truncate_file(int fd, uint64_t size, const std::string& path);

// Creates `path` and its missing parents (mode 0755). Each directory created
// is made durable by fsyncing its parent. A component that exists but is not
// a directory throws, naming it.
void make_directories(const std::string& path);

// Replaces `path` with `contents` so that a crash leaves either the old or the
// new file, never a mix: write `<path>.tmp`, fsync it, rename it over `path`,
// fsync the directory. Time spent is added to `timings`.
void replace_file(const std::string& path, const std::string& contents, IoTimings& timings);

// The whole regular file as bytes (never through a link, never blocking on a FIFO).
std::string read_file(const std::string& path);

// The size of the regular file at `path` (not following a symlink), or
// nullopt if nothing exists there. Anything else at `path` throws.
std::optional<uint64_t> regular_file_size(const std::string& path);

bool path_exists(const std::string& path);

void rename_path(const std::string& from, const std::string& to);

// Removes a file; a file that is already gone is not an error.
void remove_file(const std::string& path);

// The parent directory of a '/'-separated path ("." when there is none).
std::string parent_directory(const std::string& path);

}  // namespace simingest::storage
