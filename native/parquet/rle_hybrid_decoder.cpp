#include "parquet/rle_hybrid_decoder.hpp"

#include "core/status.hpp"
#include "parquet/bit_reader.hpp"

namespace simingest::parquet {

void decode_rle_hybrid(const uint8_t* data, std::size_t size, int bit_width, std::size_t count, uint32_t* out,
                       const std::string& source) {
  if (bit_width < 0 || bit_width > 32)
    throw Error(Status::corrupt, source + ": RLE bit width " + std::to_string(bit_width) + " exceeds 32");
  BitReader in(data, size, source);
  const std::size_t value_bytes = static_cast<std::size_t>(bit_width + 7) / 8;
  std::size_t n = 0;
  while (n < count) {
    const uint64_t header = in.varint();
    if (header & 1) {
      // Bit-packed: (header >> 1) groups of 8 values, LSB first.
      const uint64_t groups = header >> 1;
      if (groups == 0 || groups > in.bytes_left() + 1)
        throw Error(Status::corrupt, source + ": malformed bit-packed run");
      const uint64_t values = groups * 8;
      const uint8_t* packed = in.take(static_cast<std::size_t>(groups) * static_cast<std::size_t>(bit_width));
      BitUnpacker bits(packed);
      for (uint64_t i = 0; i < values; ++i) {
        const uint64_t v = bits.next(bit_width);
        if (n < count) out[n++] = static_cast<uint32_t>(v);
      }
    } else {
      const uint64_t run = header >> 1;
      if (run == 0) throw Error(Status::corrupt, source + ": empty RLE run");
      const uint8_t* bytes = in.take(value_bytes);
      uint32_t value = 0;
      for (std::size_t b = 0; b < value_bytes; ++b) value |= static_cast<uint32_t>(bytes[b]) << (8 * b);
      if (bit_width < 32 && (value >> bit_width) != 0)
        throw Error(Status::corrupt, source + ": RLE value wider than the bit width");
      for (uint64_t i = 0; i < run && n < count; ++i) out[n++] = value;
    }
  }
}

}  // namespace simingest::parquet
