#include "storage/file_appender.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/status.hpp"
#include "storage/durable_io.hpp"
#include "storage/file_ops.hpp"

namespace simingest::storage {

// Invariant (every path): staging_ holds the bytes of file offsets
// [staged_offset_, staged_offset_ + staged_), the descriptor's position is
// staged_offset_, and every byte before staged_offset_ is in the kernel.
// Direct: staged_offset_ is a multiple of kDirectAlignment.

namespace {

CommitIo parse_commit_io() noexcept {
  const char* value = std::getenv("SIMINGEST_COMMIT_IO");
  // Direct by default (ADR 0025: 4–5× less commit-thread CPU, and on an idle
  // machine 1.0–1.1 GB/s against 0.6–0.8 buffered); the page cache on request.
  return value != nullptr && std::strcmp(value, "buffered") == 0 ? CommitIo::buffered : CommitIo::direct;
}

}  // namespace

CommitIo commit_io() noexcept {
  static const CommitIo io = parse_commit_io();
  return io;
}

const char* commit_io_name(CommitIo io) noexcept {
  switch (io) {
    case CommitIo::buffered: return "buffered";
    case CommitIo::direct: return "direct";
  }
  return "buffered";
}

void FileAppender::AlignedFree::operator()(unsigned char* p) const noexcept { std::free(p); }

FileAppender::FileAppender(int fd, const std::string& path, CommitIo io, bool staged)
    : fd_(fd), path_(path), io_(io) {
  if (!staged) {
    io_ = CommitIo::buffered;  // direct needs the aligned staging buffer
    return;
  }
  void* memory = nullptr;
  if (::posix_memalign(&memory, kDirectAlignment, kStagingBytes) != 0) throw std::bad_alloc();
  staging_.reset(static_cast<unsigned char*>(memory));
  capacity_ = kStagingBytes;
  if (is_direct() && !set_direct(true)) io_ = CommitIo::buffered;
}

FileAppender::~FileAppender() = default;

bool FileAppender::set_direct(bool on) noexcept {
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0) return false;
  return ::fcntl(fd_, F_SETFL, on ? (flags | O_DIRECT) : (flags & ~O_DIRECT)) == 0;
}

void FileAppender::append(const unsigned char* bytes, std::size_t size) {
  if (!is_direct() && size >= capacity_) {
    // Large enough to be a good sequential write on its own: no copy.
    hand_over();
    write_through(bytes, size);
    staged_offset_ += size;
    return;
  }
  while (size > 0) {
    const std::size_t n = std::min(capacity_ - staged_, size);
    std::memcpy(staging_.get() + staged_, bytes, n);
    staged_ += n;
    bytes += n;
    size -= n;
    if (staged_ == capacity_) {
      if (io_ == CommitIo::direct)
        write_direct_blocks();  // capacity_ is aligned: the whole buffer goes
      else
        hand_over();
    }
  }
}

void FileAppender::hand_over() {
  if (is_direct()) {
    write_direct_blocks();
    if (staged_ > 0) write_direct_tail();
    return;
  }
  if (staged_ == 0) return;
  write_through(staging_.get(), staged_);
  staged_offset_ += staged_;
  staged_ = 0;
}

// Writes all of it at the descriptor's position (buffered: write_all). In
// direct mode an EINVAL means the file system refuses O_DIRECT (or its
// alignment): the rest of the file takes the buffered path.
void FileAppender::write_through(const unsigned char* bytes, std::size_t size) {
  if (!is_direct()) return write_all(fd_, bytes, size, path_);
  FileOps& ops = file_ops();
  while (size > 0) {
    const ssize_t written = ops.write(fd_, bytes, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno != EINVAL) throw io_error("write " + path_, errno);
      fall_back_to_buffered();
      return write_all(fd_, bytes, size, path_);
    }
    bytes += written;
    size -= static_cast<std::size_t>(written);
  }
}

void FileAppender::fall_back_to_buffered() {
  if (!set_direct(false)) throw io_error("fcntl(O_DIRECT off) " + path_, errno);
  io_ = CommitIo::buffered;
}

void FileAppender::write_direct_blocks() {
  const std::size_t whole = staged_ & ~(kDirectAlignment - 1);
  if (whole == 0) return;
  write_through(staging_.get(), whole);
  staged_offset_ += whole;
  staged_ -= whole;
  if (staged_ > 0) std::memmove(staging_.get(), staging_.get() + whole, staged_);
}

// The partial block at the end goes through the page cache and stays staged:
// the next direct write starts at its block and rewrites it (the kernel
// writes back and drops cached pages a direct write covers, so a reader
// never sees the older copy).
void FileAppender::write_direct_tail() {
  if (!set_direct(false)) throw io_error("fcntl(O_DIRECT off) " + path_, errno);
  io_ = CommitIo::buffered;  // for write_through's error handling
  write_through(staging_.get(), staged_);
  if (::lseek(fd_, static_cast<off_t>(staged_offset_), SEEK_SET) < 0) throw io_error("seek " + path_, errno);
  // If O_DIRECT cannot be switched back on, the file goes on buffered: the
  // invariant holds either way (the tail is staged at staged_offset_).
  if (set_direct(true)) io_ = CommitIo::direct;
}

}  // namespace simingest::storage
