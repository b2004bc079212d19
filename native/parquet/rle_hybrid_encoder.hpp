// The RLE / bit-packing hybrid of Encodings.md, as used for dictionary
// indices in RLE_DICTIONARY data pages (no length prefix there; the caller
// writes the bit-width byte).
//
// Values arrive as (value, repeat count) so a scalar segment of n rows is one
// put(index, n) and becomes one RLE run: the repeated value is never
// expanded. Short runs collect into bit-packed groups of 8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace simingest::parquet {

class RleHybridEncoder {
 public:
  // Starts a new stream of `bit_width` (0..32) bit values appended to `out`.
  void reset(int bit_width, std::vector<uint8_t>* out) noexcept;
  // `count` more copies of `value` (< 2^bit_width).
  void put(uint32_t value, std::size_t count);
  // Flushes everything; the stream is complete. Pads the last bit-packed
  // group with zeros (readers stop at the page's value count).
  void finish();

 private:
  static constexpr std::size_t kMinRleRun = 8;
  // A bit-packed run holds at most 63 groups so its header is one byte, the
  // most some decoders accept.
  static constexpr std::size_t kMaxLiterals = 63 * 8;

  void flush_pending();
  void flush_literals();
  void emit_rle(uint32_t value, std::size_t count);

  int bit_width_ = 0;
  std::vector<uint8_t>* out_ = nullptr;
  uint32_t pending_value_ = 0;
  std::size_t pending_count_ = 0;
  uint32_t literals_[kMaxLiterals] = {};
  std::size_t nliterals_ = 0;
};

}  // namespace simingest::parquet
