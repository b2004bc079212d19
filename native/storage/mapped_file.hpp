// A whole file mapped read-only (mmap, MAP_PRIVATE): what compaction reads a
// realtime log segment through, so a segment of any size costs address
// space and page cache, not heap (pipeline/log_compaction.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace simingest::storage {

class MappedFile {
 public:
  // Maps `path` (opened O_RDONLY, never through a link). Throws Error(io)
  // naming it. An empty file maps nothing: data() is null, size() 0.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }

 private:
  const uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace simingest::storage
