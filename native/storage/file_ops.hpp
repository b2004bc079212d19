// The seam between storage/ and the operating system: every call that changes
// what is on disk (create, write, truncate, fsync of a file or a directory,
// rename, unlink, mkdir) and close go through one FileOps. Reads (read, stat,
// directory listings) do not: they change nothing a crash could lose.
//
// Production uses the POSIX implementation. Tests install another one with
// ScopedFileOps to count operations and make the k-th one fail or "crash"
// (test/support/fault_injecting_file_ops.hpp, docs/RELIABILITY.md). The cost
// is one atomic load and one virtual call per system call; nothing per frame.
//
// Each function has the contract of the POSIX call it is named after: it
// returns what that call returns and sets errno on failure. durable_io turns
// failures into Error(io / no_space) naming the path.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace simingest::storage {

class FileOps {
 public:
  virtual ~FileOps() = default;
  virtual int open(const char* path, int flags, mode_t mode) = 0;
  virtual ssize_t write(int fd, const void* data, std::size_t size) = 0;
  virtual int ftruncate(int fd, off_t size) = 0;
  virtual int fsync(int fd) = 0;  // a regular file's bytes
  // Makes the names in directory `path` durable (open, fsync, close).
  virtual int sync_directory(const char* path) = 0;
  virtual int rename(const char* from, const char* to) = 0;
  virtual int unlink(const char* path) = 0;
  virtual int mkdir(const char* path, mode_t mode) = 0;
  virtual int close(int fd) = 0;
};

// The plain system calls.
FileOps& posix_file_ops() noexcept;

// The FileOps storage/ uses right now: the one installed by the innermost live
// ScopedFileOps, else posix_file_ops().
FileOps& file_ops() noexcept;

// Test-only: installs `ops` process-wide for its lifetime. Install before the
// Dataset (or Engine) is opened and destroy after it is gone: the engine's
// commit thread reads the pointer too, so it must not change under it.
class ScopedFileOps {
 public:
  explicit ScopedFileOps(FileOps& ops) noexcept;
  ~ScopedFileOps();
  ScopedFileOps(const ScopedFileOps&) = delete;
  ScopedFileOps& operator=(const ScopedFileOps&) = delete;

 private:
  FileOps* previous_;
};

}  // namespace simingest::storage
