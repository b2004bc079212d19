#include "storage/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>

#include "core/status.hpp"
#include "storage/durable_io.hpp"

namespace simingest::storage {

MappedFile::MappedFile(const std::string& path) {
  const FileDescriptor fd = open_file(path, O_RDONLY | O_NOFOLLOW, 0, "open");
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) throw io_error("stat " + path, errno);
  size_ = static_cast<std::size_t>(info.st_size);
  if (size_ == 0) return;
  void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (mapped == MAP_FAILED) throw io_error("mmap " + path, errno);
  data_ = static_cast<const uint8_t*>(mapped);
  // The file is read once, front to back.
  ::madvise(mapped, size_, MADV_SEQUENTIAL);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace simingest::storage
