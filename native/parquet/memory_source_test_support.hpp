// Test-only: in-memory ByteSink / ByteSource, so parquet/ tests write a file
// and read it back without touching the disk.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "parquet/byte_source.hpp"
#include "parquet/file_writer.hpp"

namespace simingest::parquet::testing {

class MemoryFile final : public ByteSink, public ByteSource {
 public:
  void write(const void* data, std::size_t size) override {
    const auto* p = static_cast<const uint8_t*>(data);
    bytes.insert(bytes.end(), p, p + size);
  }
  uint64_t size() const override { return bytes.size(); }
  void read_at(uint64_t offset, void* out, std::size_t size) const override {
    if (offset > bytes.size() || size > bytes.size() - offset) throw Error(Status::corrupt, name_ + ": short read");
    std::memcpy(out, bytes.data() + offset, size);
  }
  const std::string& name() const override { return name_; }

  std::vector<uint8_t> bytes;

 private:
  std::string name_ = "memory.parquet";
};

}  // namespace simingest::parquet::testing
