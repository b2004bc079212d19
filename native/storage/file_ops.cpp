#include "storage/file_ops.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

namespace simingest::storage {

namespace {

class PosixFileOps final : public FileOps {
 public:
  int open(const char* path, int flags, mode_t mode) override { return ::open(path, flags, mode); }
  ssize_t write(int fd, const void* data, std::size_t size) override { return ::write(fd, data, size); }
  int ftruncate(int fd, off_t size) override { return ::ftruncate(fd, size); }
  int fsync(int fd) override { return ::fsync(fd); }
  int sync_directory(const char* path) override {
    int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = ::fsync(fd);
    int error = errno;
    ::close(fd);
    errno = error;
    return rc;
  }
  int rename(const char* from, const char* to) override { return ::rename(from, to); }
  int unlink(const char* path) override { return ::unlink(path); }
  int mkdir(const char* path, mode_t mode) override { return ::mkdir(path, mode); }
  int close(int fd) override { return ::close(fd); }
};

PosixFileOps posix_ops;
std::atomic<FileOps*> installed{nullptr};

}  // namespace

FileOps& posix_file_ops() noexcept { return posix_ops; }

FileOps& file_ops() noexcept {
  FileOps* ops = installed.load(std::memory_order_acquire);
  return ops ? *ops : posix_ops;
}

ScopedFileOps::ScopedFileOps(FileOps& ops) noexcept
    : previous_(installed.exchange(&ops, std::memory_order_acq_rel)) {}

ScopedFileOps::~ScopedFileOps() { installed.store(previous_, std::memory_order_release); }

}  // namespace simingest::storage
