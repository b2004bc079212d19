// BYTE_STREAM_SPLIT scatter at the AVX2 level: byte shuffles within 128-bit
// lanes group byte k of neighbouring values, then unpacks and a cross-lane
// permute finish the transpose so each stream gets one 32- or 16-byte store.
#include "kernels/cpu_features.hpp"

#if SIMINGEST_KERNELS_X86

// Every header with code the scalar path may also use comes before the
// target region (see target_region.hpp).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/target_region.hpp"
#include "kernels/x86_kernels.hpp"

SIMINGEST_TARGET_BEGIN("avx2")

namespace simingest::kernels::avx2 {

namespace {

__m256i load(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
void store(uint8_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
void store(uint8_t* p, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }

// 32 values per step. After the shuffle, dword k of each 128-bit lane holds
// byte k of that lane's four values.
void scatter4(const uint8_t* values, std::size_t count, uint8_t* const out[4], std::size_t& i) {
  const __m256i group = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
                                         0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  // Dwords come out as values 0-3, 8-11, 16-19, 24-27 | 4-7, 12-15, ...
  const __m256i in_order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (; count - i >= 32; i += 32) {
    const uint8_t* v = values + 4 * i;
    const __m256i r0 = _mm256_shuffle_epi8(load(v), group);
    const __m256i r1 = _mm256_shuffle_epi8(load(v + 32), group);
    const __m256i r2 = _mm256_shuffle_epi8(load(v + 64), group);
    const __m256i r3 = _mm256_shuffle_epi8(load(v + 96), group);
    const __m256i t0 = _mm256_unpacklo_epi32(r0, r1);
    const __m256i t1 = _mm256_unpackhi_epi32(r0, r1);
    const __m256i t2 = _mm256_unpacklo_epi32(r2, r3);
    const __m256i t3 = _mm256_unpackhi_epi32(r2, r3);
    store(out[0] + i, _mm256_permutevar8x32_epi32(_mm256_unpacklo_epi64(t0, t2), in_order));
    store(out[1] + i, _mm256_permutevar8x32_epi32(_mm256_unpackhi_epi64(t0, t2), in_order));
    store(out[2] + i, _mm256_permutevar8x32_epi32(_mm256_unpacklo_epi64(t1, t3), in_order));
    store(out[3] + i, _mm256_permutevar8x32_epi32(_mm256_unpackhi_epi64(t1, t3), in_order));
  }
}

// 16 values per step. After the shuffle, word k of each 128-bit lane holds
// byte k of that lane's two values.
void scatter8(const uint8_t* values, std::size_t count, uint8_t* const out[8], std::size_t& i) {
  const __m256i group = _mm256_setr_epi8(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15,
                                         0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  for (; count - i >= 16; i += 16) {
    const uint8_t* v = values + 8 * i;
    const __m256i r0 = _mm256_shuffle_epi8(load(v), group);        // values 0,1 | 2,3
    const __m256i r1 = _mm256_shuffle_epi8(load(v + 32), group);   // 4,5 | 6,7
    const __m256i r2 = _mm256_shuffle_epi8(load(v + 64), group);   // 8,9 | 10,11
    const __m256i r3 = _mm256_shuffle_epi8(load(v + 96), group);   // 12,13 | 14,15
    // Low lanes then hold values 0-7 in order across a0..a3, high lanes 8-15.
    const __m256i a0 = _mm256_permute2x128_si256(r0, r2, 0x20);
    const __m256i a1 = _mm256_permute2x128_si256(r0, r2, 0x31);
    const __m256i a2 = _mm256_permute2x128_si256(r1, r3, 0x20);
    const __m256i a3 = _mm256_permute2x128_si256(r1, r3, 0x31);
    const __m256i b0 = _mm256_unpacklo_epi16(a0, a1);
    const __m256i b1 = _mm256_unpackhi_epi16(a0, a1);
    const __m256i b2 = _mm256_unpacklo_epi16(a2, a3);
    const __m256i b3 = _mm256_unpackhi_epi16(a2, a3);
    // Qwords of c_m: stream 2m (values 0-7), stream 2m+1 (0-7), stream 2m
    // (8-15), stream 2m+1 (8-15); the permute puts each stream's halves together.
    const __m256i c[4] = {_mm256_unpacklo_epi32(b0, b2), _mm256_unpackhi_epi32(b0, b2),
                          _mm256_unpacklo_epi32(b1, b3), _mm256_unpackhi_epi32(b1, b3)};
    for (int m = 0; m < 4; ++m) {
      const __m256i s = _mm256_permute4x64_epi64(c[m], 0xD8);
      store(out[2 * m] + i, _mm256_castsi256_si128(s));
      store(out[2 * m + 1] + i, _mm256_extracti128_si256(s, 1));
    }
  }
}

}  // namespace

void byte_stream_split_scatter(const uint8_t* values, std::size_t count, std::size_t width, uint8_t* streams,
                               std::size_t stream_length, std::size_t first) noexcept {
  uint8_t* out[8];
  for (std::size_t k = 0; k < width; ++k) out[k] = streams + k * stream_length + first;
  std::size_t i = 0;
  if (width == 4) scatter4(values, count, out, i);
  else scatter8(values, count, out, i);
  for (; i < count; ++i)
    for (std::size_t k = 0; k < width; ++k) out[k][i] = values[i * width + k];
}

}  // namespace simingest::kernels::avx2

SIMINGEST_TARGET_END

#endif  // SIMINGEST_KERNELS_X86
