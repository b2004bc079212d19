// Where the bytes of a Parquet file come from when it is read back: the
// reading counterpart of ByteSink, so parquet/ decodes files without knowing
// about descriptors or durability (storage/ implements it with pread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace simingest::parquet {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Total bytes.
  virtual uint64_t size() const = 0;
  // Exactly `size` bytes at `offset` into `out`. Throws Error (io, or corrupt
  // if the source ends first).
  virtual void read_at(uint64_t offset, void* out, std::size_t size) const = 0;
  // Names the source in error messages (a path relative to the dataset).
  virtual const std::string& name() const = 0;
};

}  // namespace simingest::parquet
