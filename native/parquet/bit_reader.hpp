// Bounds-checked reading of the byte and bit layouts of Parquet encodings:
// ULEB128 varints and little-endian bit-packed values (LSB first), for the
// RLE hybrid and DELTA_BINARY_PACKED decoders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.hpp"

namespace simingest::parquet {

class BitReader {
 public:
  BitReader(const uint8_t* data, std::size_t size, const std::string& source) noexcept
      : p_(data), end_(data + size), source_(source) {}

  uint64_t varint() {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t b = *take(1);
      result |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return result;
    }
    throw Error(Status::corrupt, source_ + ": varint longer than 10 bytes");
  }

  int64_t zigzag() {
    const uint64_t v = varint();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }

  // The next `n` bytes (checked), and moves past them.
  const uint8_t* take(std::size_t n) {
    if (n > bytes_left()) throw Error(Status::corrupt, source_ + ": encoded values end early");
    const uint8_t* at = p_;
    p_ += n;
    return at;
  }

  std::size_t bytes_left() const noexcept { return static_cast<std::size_t>(end_ - p_); }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  const std::string& source_;
};

// Values of up to 64 bits packed LSB first from bytes the caller has checked
// hold them all.
class BitUnpacker {
 public:
  explicit BitUnpacker(const uint8_t* data) noexcept : data_(data) {}

  uint64_t next(int width) noexcept {
    uint64_t value = 0;
    int got = 0;
    while (got < width) {
      const std::size_t byte = bit_ >> 3;
      const int offset = static_cast<int>(bit_ & 7);
      const int take = (8 - offset) < (width - got) ? (8 - offset) : (width - got);
      const uint64_t bits = (static_cast<uint64_t>(data_[byte]) >> offset) & ((1u << take) - 1);
      value |= bits << got;
      got += take;
      bit_ += static_cast<std::size_t>(take);
    }
    return value;
  }

 private:
  const uint8_t* data_;
  std::size_t bit_ = 0;
};

}  // namespace simingest::parquet
