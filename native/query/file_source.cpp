#include "query/file_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/status.hpp"

namespace simingest::query {

FileSource::FileSource(const FilePart& part) : path_(part.path), borrowed_(part.fd) {
  if (borrowed_) {
    fd_ = *borrowed_;
  } else {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0) throw io_error("query: open " + path_ + " (listed in the manifest)", errno);
    owns_fd_ = true;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int saved = errno;
    if (owns_fd_) ::close(fd_);
    throw io_error("query: stat " + path_, saved);
  }
  if (!S_ISREG(st.st_mode)) {
    if (owns_fd_) ::close(fd_);
    throw Error(Status::io, "query: " + path_ + " is not a regular file");
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

FileSource::~FileSource() {
  if (owns_fd_) ::close(fd_);
}

void FileSource::read_at(uint64_t offset, void* out, std::size_t size) const {
  if (offset > size_ || size > size_ - offset)
    throw Error(Status::corrupt, path_ + ": read of " + std::to_string(size) + " bytes at " + std::to_string(offset) +
                                     " past the end of the file (" + std::to_string(size_) + " bytes)");
  auto* p = static_cast<uint8_t*>(out);
  while (size > 0) {
    const ssize_t n = ::pread(fd_, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("query: read " + path_, errno);
    }
    if (n == 0) throw Error(Status::corrupt, path_ + ": the file ends early (truncated meanwhile?)");
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}

}  // namespace simingest::query
