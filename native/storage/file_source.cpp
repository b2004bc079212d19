#include "storage/file_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "core/status.hpp"

namespace simingest::storage {

FileSource::FileSource(const std::string& path, std::string name, std::shared_ptr<const int> borrowed)
    : path_(path), name_(std::move(name)), borrowed_(std::move(borrowed)) {
  if (borrowed_) {
    fd_ = *borrowed_;
  } else {
    owned_ = open_file(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0, "open");
    fd_ = owned_.get();
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) throw io_error("stat " + path_, errno);
  regular_ = S_ISREG(st.st_mode);
  size_ = static_cast<uint64_t>(st.st_size);
}

void FileSource::read_at(uint64_t offset, void* out, std::size_t size) const {
  if (offset > size_ || size > size_ - offset)
    throw Error(Status::corrupt, name_ + ": read of " + std::to_string(size) + " bytes at " +
                                     std::to_string(offset) + " past the end of the file");
  auto* p = static_cast<uint8_t*>(out);
  while (size > 0) {
    const ssize_t n = ::pread(fd_, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("read " + path_, errno);
    }
    if (n == 0) throw Error(Status::corrupt, name_ + ": the file ends early");
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}

}  // namespace simingest::storage
