#include "parquet/codec.hpp"

#include <zstd.h>

#include <string>

#include "core/status.hpp"

namespace simingest::parquet {

Compressor::Compressor(Codec codec, int level) : codec_(codec), level_(level) {
  if (codec_ == Codec::zstd) {
    zstd_ = ZSTD_createCCtx();
    if (zstd_ == nullptr) throw Error(Status::out_of_memory, "zstd: cannot create a compression context");
  }
}

Compressor::~Compressor() { ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(zstd_)); }

std::size_t Compressor::compress(const uint8_t* data, std::size_t size, std::vector<uint8_t>& out) {
  const std::size_t at = out.size();
  if (codec_ == Codec::none) {
    out.insert(out.end(), data, data + size);
    return size;
  }
  out.resize(at + ZSTD_compressBound(size));
  const std::size_t n = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(zstd_), out.data() + at,
                                          out.size() - at, data, size, level_);
  if (ZSTD_isError(n)) {
    out.resize(at);
    throw Error(Status::internal, std::string("zstd: ") + ZSTD_getErrorName(n));
  }
  out.resize(at + n);
  return n;
}

format::CompressionCodec thrift_codec(Codec codec) noexcept {
  return codec == Codec::zstd ? format::CompressionCodec::zstd : format::CompressionCodec::uncompressed;
}

}  // namespace simingest::parquet
