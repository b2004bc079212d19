// Page compression. One Compressor per encoder (so per worker thread): the
// ZSTD context is created once and reused for every page, which is what makes
// small pages cheap to compress.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/format_choices.hpp"
#include "parquet/parquet_metadata.hpp"

namespace simingest::parquet {

class Compressor {
 public:
  Compressor(Codec codec, int level);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  Codec codec() const noexcept { return codec_; }

  // Appends the compressed form of `size` bytes at `data` to `out` and
  // returns the number of bytes appended. With Codec::none the bytes are
  // copied as they are. Throws Error(Status::internal) if zstd fails.
  std::size_t compress(const uint8_t* data, std::size_t size, std::vector<uint8_t>& out);

 private:
  Codec codec_;
  int level_;
  void* zstd_ = nullptr;  // ZSTD_CCtx*, kept out of this header
};

// The CompressionCodec a footer names for `codec`.
format::CompressionCodec thrift_codec(Codec codec) noexcept;

}  // namespace simingest::parquet
