#include "kernels/split_block_bloom.hpp"

#include <cstring>
#include <type_traits>

// Header-only xxHash (libxxhash-dev, ADR 0014): inlined, the hash of a fixed
// 4- or 8-byte input compiles to a handful of multiplies, where a call into
// the shared library would pay its generic length dispatch per value.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace simingest::kernels {

namespace {

constexpr uint32_t kSalt[8] = {0x47b6137bu, 0x44974d91u, 0x8824ad5bu, 0xa2b7289du,
                               0x705495c7u, 0x2df1424bu, 0x9efc4947u, 0x5c6bfb31u};

inline void insert(uint64_t hash, uint32_t* words, std::size_t num_blocks) noexcept {
  const std::size_t block = static_cast<std::size_t>(((hash >> 32) * num_blocks) >> 32);
  const auto key = static_cast<uint32_t>(hash);
  uint32_t* w = words + block * 8;
  for (int i = 0; i < 8; ++i) w[i] |= uint32_t{1} << ((key * kSalt[i]) >> 27);
}

// The physical type a dtype's values are PLAIN encoded as: INT32 for 8- and
// 16-bit integers (their C++ conversion to int32_t/uint32_t widens with the
// sign or zeros as Parquet does), the dtype itself otherwise.
template <typename T>
using Physical = std::conditional_t<(sizeof(T) >= 4), T, std::conditional_t<std::is_signed_v<T>, int32_t, uint32_t>>;

template <typename T>
inline uint64_t hash_value(T value) noexcept {
  const Physical<T> physical = static_cast<Physical<T>>(value);
  return XXH64(&physical, sizeof physical, 0);  // little endian: its PLAIN bytes
}

template <typename T>
void insert_all(const void* data, std::size_t count, uint32_t* words, std::size_t num_blocks) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < count; ++i) {
    T value;
    std::memcpy(&value, p + i * sizeof(T), sizeof(T));
    insert(hash_value(value), words, num_blocks);
  }
}

template <typename T>
T from_bits(uint64_t bits) noexcept {
  T value;
  std::memcpy(&value, &bits, sizeof value);  // little endian: the low bytes
  return value;
}

}  // namespace

uint64_t bloom_hash(Dtype dtype, uint64_t bits) noexcept {
  switch (dtype) {
    case Dtype::int8: return hash_value(from_bits<int8_t>(bits));
    case Dtype::int16: return hash_value(from_bits<int16_t>(bits));
    case Dtype::int32: return hash_value(from_bits<int32_t>(bits));
    case Dtype::int64: return hash_value(from_bits<int64_t>(bits));
    case Dtype::uint8: return hash_value(from_bits<uint8_t>(bits));
    case Dtype::uint16: return hash_value(from_bits<uint16_t>(bits));
    case Dtype::uint32: return hash_value(from_bits<uint32_t>(bits));
    case Dtype::uint64: return hash_value(from_bits<uint64_t>(bits));
    case Dtype::float32: return hash_value(from_bits<uint32_t>(bits));  // the float's bits
    case Dtype::float64: return hash_value(from_bits<uint64_t>(bits));
  }
  return 0;
}

void bloom_insert_values(Dtype dtype, const void* data, std::size_t count, uint32_t* words,
                         std::size_t num_blocks) noexcept {
  switch (dtype) {
    case Dtype::int8: insert_all<int8_t>(data, count, words, num_blocks); return;
    case Dtype::int16: insert_all<int16_t>(data, count, words, num_blocks); return;
    case Dtype::int32: insert_all<int32_t>(data, count, words, num_blocks); return;
    case Dtype::int64: insert_all<int64_t>(data, count, words, num_blocks); return;
    case Dtype::uint8: insert_all<uint8_t>(data, count, words, num_blocks); return;
    case Dtype::uint16: insert_all<uint16_t>(data, count, words, num_blocks); return;
    case Dtype::uint32: case Dtype::float32: insert_all<uint32_t>(data, count, words, num_blocks); return;
    case Dtype::uint64: case Dtype::float64: insert_all<uint64_t>(data, count, words, num_blocks); return;
  }
}

void bloom_insert_hash(uint64_t hash, uint32_t* words, std::size_t num_blocks) noexcept {
  insert(hash, words, num_blocks);
}

bool bloom_may_contain(uint64_t hash, const uint32_t* words, std::size_t num_blocks) noexcept {
  const std::size_t block = static_cast<std::size_t>(((hash >> 32) * num_blocks) >> 32);
  const auto key = static_cast<uint32_t>(hash);
  const uint32_t* w = words + block * 8;
  for (int i = 0; i < 8; ++i)
    if ((w[i] & (uint32_t{1} << ((key * kSalt[i]) >> 27))) == 0) return false;
  return true;
}

}  // namespace simingest::kernels
