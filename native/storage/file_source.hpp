// A committed Parquet file as a parquet::ByteSource, read with pread: what
// the footer and step-split readers of parquet/ read a dataset file through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "parquet/byte_source.hpp"
#include "storage/durable_io.hpp"

namespace simingest::storage {

// Opens `path` (never through a link) and takes its size once; `name` (the
// path relative to the dataset) names it in errors. A read past that size, or
// one the file ends before, throws Error(corrupt); a failing read Error(io).
//
// With `borrowed`, the file is read through that open descriptor instead of
// being opened (a file the engine is still writing, which a commit may rename
// meanwhile); the source keeps it alive and never closes it.
class FileSource : public parquet::ByteSource {
 public:
  FileSource(const std::string& path, std::string name, std::shared_ptr<const int> borrowed = nullptr);
  // Whether the file was a regular file when opened.
  bool regular() const noexcept { return regular_; }
  uint64_t size() const override { return size_; }
  const std::string& name() const override { return name_; }
  void read_at(uint64_t offset, void* out, std::size_t size) const override;

 private:
  std::string path_;
  std::string name_;
  std::shared_ptr<const int> borrowed_;
  FileDescriptor owned_;  // unless borrowed
  int fd_ = -1;
  bool regular_ = false;
  uint64_t size_ = 0;
};

}  // namespace simingest::storage
