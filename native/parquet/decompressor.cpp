#include "parquet/decompressor.hpp"

#include <zstd.h>

#include "core/status.hpp"

namespace simingest::parquet {

Decompressor::~Decompressor() { ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(zstd_)); }

const uint8_t* Decompressor::decompress(format::CompressionCodec codec, const uint8_t* data, std::size_t size,
                                        std::size_t expected, std::vector<uint8_t>& out,
                                        const std::string& source) {
  switch (codec) {
    case format::CompressionCodec::uncompressed:
      if (size != expected)
        throw Error(Status::corrupt, source + ": uncompressed page of " + std::to_string(size) +
                                         " bytes, header says " + std::to_string(expected));
      return data;
    case format::CompressionCodec::zstd: {
      if (zstd_ == nullptr) {
        zstd_ = ZSTD_createDCtx();
        if (zstd_ == nullptr) throw Error(Status::out_of_memory, "zstd: cannot create a decompression context");
      }
      // The frame names its size (Compressor writes it): refuse a mismatch
      // before allocating what a damaged header claims.
      const unsigned long long content = ZSTD_getFrameContentSize(data, size);
      if (content == ZSTD_CONTENTSIZE_ERROR)
        throw Error(Status::corrupt, source + ": zstd: not a zstd frame");
      if (content != ZSTD_CONTENTSIZE_UNKNOWN && content != expected)
        throw Error(Status::corrupt, source + ": page decompresses to " + std::to_string(content) +
                                         " bytes, header says " + std::to_string(expected));
      out.resize(expected);
      const std::size_t n = ZSTD_decompressDCtx(static_cast<ZSTD_DCtx*>(zstd_), out.data(), out.size(), data, size);
      if (ZSTD_isError(n))
        throw Error(Status::corrupt, source + ": zstd: " + ZSTD_getErrorName(n));
      if (n != expected)
        throw Error(Status::corrupt, source + ": page decompresses to " + std::to_string(n) +
                                         " bytes, header says " + std::to_string(expected));
      return out.data();
    }
    default:
      throw Error(Status::corrupt, source + ": compression codec " +
                                       std::to_string(static_cast<int>(codec)) + " is not one simingest writes");
  }
}

}  // namespace simingest::parquet
