// How a file being written (PendingFile) hands its bytes to the kernel: the
// commit thread's I/O path (issue 15 goal 2, docs/adr/00NN-commit-path-io.md).
//
//   buffered      write() from a 4 MiB staging buffer (writes of 4 MiB or
//                 more go straight from the caller's bytes); the page cache
//                 holds the file until the kernel writes it back or fsync
//                 forces it.
//   write-behind  buffered, plus sync_file_range(SYNC_FILE_RANGE_WRITE) of
//                 every 8 MiB written, so write-back runs while the file
//                 grows instead of all at its fsync, and
//                 posix_fadvise(DONTNEED) of the window before it once it is
//                 written back, so the page cache does not balloon.
//   direct        O_DIRECT writes of whole 4 KiB blocks from an aligned
//                 staging buffer: no copy into the page cache. The unaligned
//                 tail a journal record or the commit needs in the kernel is
//                 written through the page cache (O_DIRECT off for that
//                 write) and rewritten by the next direct write of its block.
//                 A file system that refuses O_DIRECT (EINVAL, e.g. tmpfs on
//                 older kernels) gets the buffered path for the rest of the
//                 file.
//   uring         direct, with each full staging buffer written by io_uring
//                 (storage/direct_write_ring.hpp) while the commit thread
//                 fills a second one; direct where liburing or io_uring is
//                 not available.
//
// Whatever the path, hand_over() leaves every byte appended so far in the
// kernel (what a journal record and fsync need), so the durability rules of
// storage/durable_io.hpp and the commit protocol of storage/dataset.hpp are
// unchanged: fsync(file) still makes every byte durable.
//
// Chosen for the trial by SIMINGEST_COMMIT_IO (buffered | write-behind |
// direct | uring), read once per process; unset or unknown: the default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "storage/direct_write_ring.hpp"

namespace simingest::storage {

enum class CommitIo { buffered, write_behind, direct, uring };

// The process's I/O path for files being written (SIMINGEST_COMMIT_IO).
CommitIo commit_io() noexcept;
const char* commit_io_name(CommitIo io) noexcept;

class FileAppender {
 public:
  // Writes to `fd` (borrowed: the owner closes it after hand_over() and
  // fsync), which is at offset 0 or opened O_APPEND; `path` names the file in errors. `staged`: whether small writes
  // are gathered in a staging buffer (allocated here, once per file); false
  // writes every append straight through (a salvaged file's footer).
  FileAppender(int fd, const std::string& path, CommitIo io, bool staged);
  ~FileAppender();
  FileAppender(const FileAppender&) = delete;
  FileAppender& operator=(const FileAppender&) = delete;

  // Appends `size` bytes at the end of what was appended. Throws Error(io).
  void append(const unsigned char* bytes, std::size_t size);
  // Every byte appended so far is in the kernel (not yet durable). Throws Error(io).
  void hand_over();
  // The path in use: direct falls back to buffered if the file system refuses it.
  CommitIo io() const noexcept { return io_; }

  static constexpr std::size_t kStagingBytes = 4u << 20;
  static constexpr std::size_t kDirectAlignment = 4096;
  static constexpr uint64_t kWriteBehindWindow = 8u << 20;

 private:
  struct AlignedFree {
    void operator()(unsigned char* p) const noexcept;
  };
  void write_through(const unsigned char* bytes, std::size_t size);
  void write_behind();
  void write_direct_blocks();
  void write_direct_tail();
  void fall_back_to_buffered();
  void submit_full_buffer();
  void drain_ring();
  bool set_direct(bool on) noexcept;
  bool is_direct() const noexcept { return io_ == CommitIo::direct || io_ == CommitIo::uring; }

  int fd_;
  std::string path_;
  CommitIo io_;
  // The staging buffers: one, or (uring) one per ring slot.
  std::unique_ptr<unsigned char, AlignedFree> buffers_[DirectWriteRing::kSlots];
  unsigned char* staging_ = nullptr;  // the one being filled: buffers_[slot_]
  unsigned slot_ = 0;
  // Declared after the buffers: destroyed first, it drains writes into them.
  std::unique_ptr<DirectWriteRing> ring_;
  std::size_t capacity_ = 0;
  std::size_t staged_ = 0;        // bytes waiting in staging_
  uint64_t staged_offset_ = 0;    // file offset of staging_[0]
  uint64_t behind_started_ = 0;   // write-behind: written back (or started) up to here
  uint64_t behind_dropped_ = 0;   // write-behind: dropped from the page cache up to here
};

}  // namespace simingest::storage
