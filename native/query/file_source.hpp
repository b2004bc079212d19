// A Parquet file of a snapshot read with pread: by its path (a committed
// file), or through the descriptor the engine handed over (its in-progress
// file, which a commit may rename while the query reads).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "parquet/byte_source.hpp"
#include "query/snapshot.hpp"

namespace simingest::query {

class FileSource final : public parquet::ByteSource {
 public:
  // Opens `part` (never following a symbolic link) and takes its size now: an
  // in-progress file may grow, but a snapshot reads only what it had. Throws
  // Error(io) naming the path when it cannot be opened (removed meanwhile).
  explicit FileSource(const FilePart& part);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  uint64_t size() const override { return size_; }
  void read_at(uint64_t offset, void* out, std::size_t size) const override;
  const std::string& name() const override { return path_; }

 private:
  std::string path_;
  std::shared_ptr<const int> borrowed_;  // the engine's descriptor, if given
  int fd_ = -1;
  bool owns_fd_ = false;
  uint64_t size_ = 0;
};

}  // namespace simingest::query
