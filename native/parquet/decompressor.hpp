// Page decompression for reading back: the inverse of Compressor, for the
// codecs simingest writes (UNCOMPRESSED, ZSTD). One context, reused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "parquet/parquet_metadata.hpp"

namespace simingest::parquet {

class Decompressor {
 public:
  Decompressor() = default;
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  // The `expected` bytes of the page body compressed as `size` bytes at
  // `data`. Returns a pointer to them: `data` itself when uncompressed,
  // otherwise into `out`. Throws Error(corrupt) naming `source` if the body
  // does not decompress to exactly `expected` bytes, or the codec is not one
  // simingest writes.
  const uint8_t* decompress(format::CompressionCodec codec, const uint8_t* data, std::size_t size,
                            std::size_t expected, std::vector<uint8_t>& out, const std::string& source);

 private:
  void* zstd_ = nullptr;  // ZSTD_DCtx*, created on first use
};

}  // namespace simingest::parquet
