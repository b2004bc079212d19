// Asynchronous writes for FileAppender's "uring" path (storage/file_appender.hpp):
// a small io_uring (liburing) with one slot per staging buffer, so the commit
// thread fills the next buffer while the previous one is written with O_DIRECT.
//
// Built only where liburing is found (SIMINGEST_HAVE_LIBURING); elsewhere, and
// where the kernel refuses io_uring (kernel.io_uring_disabled, seccomp),
// create() returns nullptr and the caller writes synchronously.
//
// These writes bypass storage/file_ops.hpp (they carry their own offsets):
// the trial path only, never the default (docs/adr/00NN-commit-path-io.md).
// Not thread-safe: one FileAppender (the commit thread) owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace simingest::storage {

class DirectWriteRing {
 public:
  static constexpr unsigned kSlots = 2;
  // nullptr when io_uring is not available here.
  static std::unique_ptr<DirectWriteRing> create();
  virtual ~DirectWriteRing() = default;
  // Queues a write of `size` bytes at `offset` of `fd` into slot `slot`
  // (free: never submitted or waited for since). The bytes must stay
  // untouched until wait(slot) returns. Throws Error(io) naming `path`.
  virtual void submit(unsigned slot, int fd, const unsigned char* bytes, std::size_t size, uint64_t offset,
                      const std::string& path) = 0;
  // Returns once slot's write (if any) has completed in full; a short write
  // is finished synchronously. Throws Error(io) naming the path.
  virtual void wait(unsigned slot) = 0;
};

}  // namespace simingest::storage
