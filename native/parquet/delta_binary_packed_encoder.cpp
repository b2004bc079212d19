#include "parquet/delta_binary_packed_encoder.hpp"

#include <cstring>
#include <type_traits>

#include "parquet/thrift_compact.hpp"

namespace simingest::parquet {

namespace {

constexpr std::size_t kBlockSize = 128;
constexpr std::size_t kMiniblocks = 4;
constexpr std::size_t kMiniblockSize = kBlockSize / kMiniblocks;

template <class U>
int bit_width_of(U value) noexcept {
  int bits = 0;
  while (value != 0) {
    ++bits;
    value >>= 1;
  }
  return bits;
}

// Packs 32 values LSB first, `width` bits each (32 * width / 8 bytes).
template <class U>
void pack_miniblock(const U* values, int width, std::vector<uint8_t>& out) {
  if (width == 0) return;
  const std::size_t at = out.size();
  out.resize(at + kMiniblockSize * static_cast<std::size_t>(width) / 8, 0);
  uint8_t* dst = out.data() + at;
  // A 64-bit accumulator plus a carry keeps widths up to 64 exact: the bits
  // of a value that do not fit the accumulator go to the next one.
  uint64_t acc = 0;
  int acc_bits = 0;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < kMiniblockSize; ++i) {
    const uint64_t v = static_cast<uint64_t>(values[i]);
    acc |= v << acc_bits;  // acc_bits < 8 here
    const int total = acc_bits + width;
    uint64_t carry = (total > 64) ? v >> (64 - acc_bits) : 0;
    int have = total;
    while (have >= 8) {
      dst[pos++] = static_cast<uint8_t>(acc);
      acc = (acc >> 8) | (carry << 56);
      carry >>= 8;
      have -= 8;
    }
    acc_bits = have;
  }
}

template <class T>
void encode(const T* values, std::size_t count, std::vector<uint8_t>& out) {
  using U = std::make_unsigned_t<T>;
  thrift::append_varint(out, kBlockSize);
  thrift::append_varint(out, kMiniblocks);
  thrift::append_varint(out, count);
  thrift::append_varint(out, thrift::zigzag64(count ? static_cast<int64_t>(values[0]) : 0));
  if (count < 2) return;

  U deltas[kBlockSize];
  U previous = static_cast<U>(values[0]);
  std::size_t i = 1;
  while (i < count) {
    const std::size_t n = (count - i) < kBlockSize ? count - i : kBlockSize;
    // Deltas and the frame of reference in the unsigned domain: wrapping.
    for (std::size_t j = 0; j < n; ++j) {
      const U v = static_cast<U>(values[i + j]);
      deltas[j] = static_cast<U>(v - previous);
      previous = v;
    }
    T min_delta = static_cast<T>(deltas[0]);
    for (std::size_t j = 1; j < n; ++j) {
      const T d = static_cast<T>(deltas[j]);
      if (d < min_delta) min_delta = d;
    }
    for (std::size_t j = 0; j < n; ++j) deltas[j] = static_cast<U>(deltas[j] - static_cast<U>(min_delta));
    for (std::size_t j = n; j < kBlockSize; ++j) deltas[j] = 0;  // padding packs as zeros

    thrift::append_varint(out, thrift::zigzag64(static_cast<int64_t>(min_delta)));
    const std::size_t used = (n + kMiniblockSize - 1) / kMiniblockSize;
    int widths[kMiniblocks] = {};
    for (std::size_t m = 0; m < used; ++m) {
      U all = 0;
      for (std::size_t j = 0; j < kMiniblockSize; ++j) all |= deltas[m * kMiniblockSize + j];
      widths[m] = bit_width_of(all);
    }
    // Unused miniblocks of the last block keep a width byte (0) but no body.
    for (std::size_t m = 0; m < kMiniblocks; ++m) out.push_back(static_cast<uint8_t>(widths[m]));
    for (std::size_t m = 0; m < used; ++m) pack_miniblock(deltas + m * kMiniblockSize, widths[m], out);
    i += n;
  }
}

}  // namespace

void encode_delta_binary_packed(const int32_t* values, std::size_t count, std::vector<uint8_t>& out) {
  encode(values, count, out);
}

void encode_delta_binary_packed(const int64_t* values, std::size_t count, std::vector<uint8_t>& out) {
  encode(values, count, out);
}

}  // namespace simingest::parquet
