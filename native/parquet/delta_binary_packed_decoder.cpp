#include "parquet/delta_binary_packed_decoder.hpp"

#include <cstring>
#include <vector>

#include "core/status.hpp"
#include "parquet/bit_reader.hpp"

namespace simingest::parquet {

void decode_delta_binary_packed(const uint8_t* data, std::size_t size, std::size_t value_size, std::size_t count,
                                uint8_t* out, const std::string& source) {
  auto corrupt = [&](const std::string& what) { return Error(Status::corrupt, source + ": DELTA_BINARY_PACKED: " + what); };
  BitReader in(data, size, source);
  const uint64_t block_size = in.varint();
  const uint64_t miniblocks = in.varint();
  const uint64_t total = in.varint();
  if (block_size == 0 || block_size % 128 != 0 || miniblocks == 0 || block_size % miniblocks != 0 ||
      (block_size / miniblocks) % 32 != 0 || block_size > (1u << 20))
    throw corrupt("bad block layout " + std::to_string(block_size) + "/" + std::to_string(miniblocks));
  if (total != count) throw corrupt(std::to_string(total) + " values where the page has " + std::to_string(count));
  const uint64_t per_miniblock = block_size / miniblocks;
  const int bits = static_cast<int>(value_size * 8);

  auto store = [&](std::size_t i, uint64_t value) { std::memcpy(out + i * value_size, &value, value_size); };
  uint64_t previous = static_cast<uint64_t>(in.zigzag());
  if (count == 0) return;
  store(0, previous);
  std::size_t n = 1;
  std::vector<uint8_t> widths(static_cast<std::size_t>(miniblocks));
  while (n < count) {
    const uint64_t min_delta = static_cast<uint64_t>(in.zigzag());
    const uint8_t* w = in.take(widths.size());
    for (std::size_t m = 0; m < widths.size() && n < count; ++m) {
      const int width = w[m];
      if (width > bits) throw corrupt("miniblock bit width " + std::to_string(width));
      const uint8_t* packed = in.take(static_cast<std::size_t>(per_miniblock) * static_cast<std::size_t>(width) / 8);
      BitUnpacker unpack(packed);
      for (uint64_t j = 0; j < per_miniblock && n < count; ++j) {
        previous += min_delta + unpack.next(width);  // wraps, truncated to value_size on store
        store(n++, previous);
      }
    }
  }
}

}  // namespace simingest::parquet
