#include "storage/durable_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>

#include "core/status.hpp"
#include "storage/file_ops.hpp"

namespace simingest::storage {

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

FileDescriptor::~FileDescriptor() { reset(); }

void FileDescriptor::reset() noexcept {
  if (fd_ >= 0) {
    // close() is not retried after EINTR on Linux: the descriptor is gone either way.
    file_ops().close(fd_);
    fd_ = -1;
  }
}

int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

FileDescriptor open_file(const std::string& path, int flags, mode_t mode, const char* what) {
  FileDescriptor fd(file_ops().open(path.c_str(), flags | O_CLOEXEC, mode));
  if (fd.get() < 0) throw io_error(std::string(what) + " " + path, errno);
  return fd;
}

void write_all(int fd, const void* data, std::size_t size, const std::string& path) {
  FileOps& ops = file_ops();
  const auto* bytes = static_cast<const unsigned char*>(data);
  while (size > 0) {
    ssize_t written = ops.write(fd, bytes, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      throw io_error("write " + path, errno);
    }
    bytes += written;
    size -= static_cast<std::size_t>(written);
  }
}

void fsync_file(int fd, const std::string& path) {
  // fsync is not retried on failure: after an EIO the kernel may already have
  // dropped the dirty pages, so a second fsync could falsely succeed.
  if (file_ops().fsync(fd) != 0) throw io_error("fsync " + path, errno);
}

void fsync_directory(const std::string& path) {
  if (file_ops().sync_directory(path.c_str()) != 0) throw io_error("fsync directory " + path, errno);
}

void truncate_file(int fd, uint64_t size, const std::string& path) {
  if (file_ops().ftruncate(fd, static_cast<off_t>(size)) != 0) throw io_error("truncate " + path, errno);
}

std::string parent_directory(const std::string& path) {
  std::size_t end = path.size();
  while (end > 1 && path[end - 1] == '/') --end;  // "a/b/" is a child of "a"
  std::size_t slash = path.rfind('/', end - 1);
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

namespace {

enum class PathKind { missing, directory, other };

// What is at `path`; a parent that is not a directory counts as "missing" so
// that make_directories walks up and names the real culprit.
PathKind path_kind(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return PathKind::missing;
    throw io_error("create directory " + path, errno);
  }
  return S_ISDIR(st.st_mode) ? PathKind::directory : PathKind::other;
}

}  // namespace

void make_directories(const std::string& path) {
  if (path.empty()) throw io_error("create directory (empty path)", ENOENT);
  PathKind kind = path_kind(path);
  if (kind == PathKind::directory) return;
  if (kind == PathKind::other) throw io_error("create directory " + path, ENOTDIR);

  std::string parent = parent_directory(path);
  if (parent != path) make_directories(parent);
  if (file_ops().mkdir(path.c_str(), 0755) != 0) {
    int error = errno;
    // Someone else (another process creating the same layout) may have won the race.
    if (error == EEXIST && path_kind(path) == PathKind::directory) return;
    throw io_error("create directory " + path, error == EEXIST ? ENOTDIR : error);
  }
  fsync_directory(parent);
}

void replace_file(const std::string& path, const std::string& contents, IoTimings& timings) {
  const std::string tmp = path + ".tmp";
  int64_t t0 = steady_now_ns();
  FileDescriptor fd = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644, "create");
  write_all(fd.get(), contents.data(), contents.size(), tmp);
  int64_t t1 = steady_now_ns();
  fsync_file(fd.get(), tmp);
  fd.reset();
  int64_t t2 = steady_now_ns();
  rename_path(tmp, path);
  int64_t t3 = steady_now_ns();
  fsync_directory(parent_directory(path));
  int64_t t4 = steady_now_ns();
  timings.write_ns += (t1 - t0) + (t3 - t2);
  timings.fsync_ns += (t2 - t1) + (t4 - t3);
}

std::string read_file(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (fd.get() < 0) throw io_error("open " + path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throw io_error("stat " + path, errno);
  if (!S_ISREG(st.st_mode)) throw io_error("read " + path, S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
  std::string contents;
  char chunk[65536];
  for (;;) {
    ssize_t got = ::read(fd.get(), chunk, sizeof chunk);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw io_error("read " + path, errno);
    }
    if (got == 0) break;
    contents.append(chunk, static_cast<std::size_t>(got));
  }
  return contents;
}

std::optional<uint64_t> regular_file_size(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw io_error("stat " + path, errno);
  }
  if (!S_ISREG(st.st_mode)) throw io_error("stat " + path, S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
  return static_cast<uint64_t>(st.st_size);
}

bool path_exists(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  throw io_error("stat " + path, errno);
}

void rename_path(const std::string& from, const std::string& to) {
  if (file_ops().rename(from.c_str(), to.c_str()) != 0) throw io_error("rename " + from + " to " + to, errno);
}

void remove_file(const std::string& path) {
  if (file_ops().unlink(path.c_str()) != 0 && errno != ENOENT) throw io_error("remove " + path, errno);
}

}  // namespace simingest::storage
