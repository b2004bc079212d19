// A committed Parquet file as a parquet::ByteSource, read with pread: what
// the footer and step-split readers of parquet/ read a dataset file through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "parquet/byte_source.hpp"
#include "storage/durable_io.hpp"

namespace simingest::storage {

// Opens `path` (never through a link) and takes its size once; `name` (the
// path relative to the dataset) names it in errors. A read past that size, or
// one the file ends before, throws Error(corrupt); a failing read Error(io).
class FileSource : public parquet::ByteSource {
 public:
  FileSource(const std::string& path, std::string name);
  uint64_t size() const override { return size_; }
  const std::string& name() const override { return name_; }
  void read_at(uint64_t offset, void* out, std::size_t size) const override;

 private:
  std::string path_;
  std::string name_;
  FileDescriptor fd_;
  uint64_t size_ = 0;
};

}  // namespace simingest::storage
