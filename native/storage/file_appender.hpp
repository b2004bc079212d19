// How a file being written (PendingFile) hands its bytes to the kernel: the
// commit thread's I/O path (issue 15 goal 2, docs/adr/0025-commit-path-io.md).
//
//   direct    (the default) O_DIRECT writes of whole 4 KiB blocks from an
//             aligned 4 MiB staging buffer: no copy into the page cache,
//             which was ⅔–⅘ of the commit thread's CPU. The unaligned tail a
//             journal record or the commit needs in the kernel is written
//             through the page cache (O_DIRECT off for that one write) and
//             rewritten by the next direct write of its block. A file system
//             that refuses O_DIRECT (EINVAL on fcntl or write, e.g. tmpfs on
//             older kernels) gets the buffered path for the rest of the file.
//   buffered  (SIMINGEST_COMMIT_IO=buffered) write() from the staging buffer (appends of 4 MiB or more go
//             straight from the caller's bytes); the page cache holds the
//             file until write-back or fsync.
//
// Whatever the path, hand_over() leaves every byte appended so far in the
// kernel (what a journal record and fsync need), so the durability rules of
// storage/durable_io.hpp and the commit protocol of storage/dataset.hpp are
// unchanged: fsync(file) still makes every byte durable, and a crash leaves
// the same torn tail a buffered writer would (bytes the kernel had, cut
// anywhere), which recovery already handles.
//
// Direct is the default: it won the trial on the commit thread's CPU (4–5×
// less) and, on an idle machine, on throughput (ADR 0025).
// SIMINGEST_COMMIT_IO=buffered (read once per process) selects the page-cache
// path; not a configuration key. The trial's other paths (sync_file_range
// write-behind, io_uring) lost and were removed (ADR 0025).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace simingest::storage {

enum class CommitIo { buffered, direct };

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

 private:
  struct AlignedFree {
    void operator()(unsigned char* p) const noexcept;
  };
  void write_through(const unsigned char* bytes, std::size_t size);
  void write_direct_blocks();
  void write_direct_tail();
  void fall_back_to_buffered();

  bool set_direct(bool on) noexcept;
  bool is_direct() const noexcept { return io_ == CommitIo::direct; }

  int fd_;
  std::string path_;
  CommitIo io_;
  std::unique_ptr<unsigned char, AlignedFree> staging_;
  std::size_t capacity_ = 0;
  std::size_t staged_ = 0;        // bytes waiting in staging_
  uint64_t staged_offset_ = 0;    // file offset of staging_[0]
};

}  // namespace simingest::storage
