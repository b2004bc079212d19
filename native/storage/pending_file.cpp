#include <unistd.h>

#include <cstring>

#include "core/status.hpp"
#include "storage/dataset.hpp"
#include "storage/durable_io.hpp"

namespace simingest::storage {

// buffer_ has kBufferBytes of capacity reserved by Dataset::begin_file and is
// never grown past it, so it is allocated once per file; its size() is the
// number of bytes waiting to be written.

PendingFile::~PendingFile() {
  if (fd_ >= 0) ::close(fd_);
  // An uncommitted file must not survive its writer: recovery would delete it
  // anyway, but a long-running ingestor should not leave litter until then.
  if (!committed_ && !inprogress_path_.empty()) ::unlink(inprogress_path_.c_str());
}

void PendingFile::write(const void* data, std::size_t size) {
  if (fd_ < 0) throw Error(Status::internal, inprogress_path_ + ": write to a closed file");
  const auto* bytes = static_cast<const unsigned char*>(data);
  const std::size_t capacity = buffer_.capacity();
  if (size >= capacity) {
    // Large enough to be a good sequential write on its own: no copy.
    flush_buffer();
    write_all(fd_, bytes, size, inprogress_path_);
    size_ += size;
    return;
  }
  std::size_t room = capacity - buffer_.size();
  if (size > room) {
    buffer_.insert(buffer_.end(), bytes, bytes + room);
    flush_buffer();
    bytes += room;
    size_ += room;
    size -= room;
  }
  buffer_.insert(buffer_.end(), bytes, bytes + size);
  size_ += size;
  if (buffer_.size() == capacity) flush_buffer();
}

void PendingFile::flush_buffer() {
  if (buffer_.empty()) return;
  write_all(fd_, buffer_.data(), buffer_.size(), inprogress_path_);
  buffer_.clear();  // keeps the capacity
}

}  // namespace simingest::storage
