// Inputs shared by the kernel tests: the SIMD levels this CPU can run, and
// value generators that mix random bits with every special value the
// kernels must treat alike at every level.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cpu_features.hpp"

namespace simingest::kernels::test_data {

// The SIMD levels above scalar that this CPU supports.
inline std::vector<SimdLevel> simd_levels() {
  std::vector<SimdLevel> levels;
  for (SimdLevel level : {SimdLevel::sse, SimdLevel::avx2})
    if (level <= detected_simd_level()) levels.push_back(level);
  return levels;
}

// Float bit patterns the kernels must get right.
inline const std::vector<uint32_t>& special_float32() {
  static const std::vector<uint32_t> values = {
      0x00000000u, 0x80000000u,                            // +0, -0
      0x7f800000u, 0xff800000u,                            // +Inf, -Inf
      0x7fc00000u, 0xffc00000u, 0x7fc12345u, 0xffffffffu,  // quiet NaNs, payloads
      0x7f800001u, 0x7fbfffffu, 0xff800001u,               // signalling NaNs
      0x00000001u, 0x807fffffu, 0x00400000u, 0x80000001u,  // subnormals
      0x7f7fffffu, 0xff7fffffu, 0x00800000u, 0x80800000u,  // ±max, ±min normal
      0x3f800000u, 0xbf800000u,                            // ±1
  };
  return values;
}

inline const std::vector<uint64_t>& special_float64() {
  static const std::vector<uint64_t> values = {
      0x0000000000000000ull, 0x8000000000000000ull,
      0x7ff0000000000000ull, 0xfff0000000000000ull,
      0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff8123456789abcull, 0xffffffffffffffffull,
      0x7ff0000000000001ull, 0x7ff7ffffffffffffull, 0xfff0000000000001ull,
      0x0000000000000001ull, 0x800fffffffffffffull, 0x0008000000000000ull, 0x8000000000000001ull,
      0x7fefffffffffffffull, 0xffefffffffffffffull, 0x0010000000000000ull, 0x8010000000000000ull,
      0x3ff0000000000000ull, 0xbff0000000000000ull,
  };
  return values;
}

// `count` values of `width` bytes: a third special values (floats) or
// extremes (integers), the rest random bits.
inline std::vector<unsigned char> mixed_values(std::mt19937_64& random, std::size_t count, std::size_t width,
                                               bool is_float) {
  std::vector<unsigned char> bytes(count * width);
  for (std::size_t i = 0; i < count; ++i) {
    uint64_t bits = random();
    if (random() % 3 == 0) {
      if (is_float && width == 4) {
        bits = special_float32()[random() % special_float32().size()];
      } else if (is_float) {
        bits = special_float64()[random() % special_float64().size()];
      } else {
        // 0, -1, the signed and the unsigned extremes of the width.
        const uint64_t top = uint64_t{1} << (8 * width - 1);
        const uint64_t extremes[] = {0, ~uint64_t{0}, top, top - 1, 1};
        bits = extremes[random() % 5];
      }
    }
    std::memcpy(bytes.data() + i * width, &bits, width);  // little-endian: low bytes
  }
  return bytes;
}

}  // namespace simingest::kernels::test_data
