// BYTE_STREAM_SPLIT scatter at the SSE4.2 level (pshufb from SSSE3): the
// 128-bit form of byte_stream_split_avx2.cpp, without its cross-lane steps.
#include "kernels/cpu_features.hpp"

#if SIMINGEST_KERNELS_X86

// Every header with code the scalar path may also use comes before the
// target region (see target_region.hpp).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/target_region.hpp"
#include "kernels/x86_kernels.hpp"

SIMINGEST_TARGET_BEGIN("sse4.2")

namespace simingest::kernels::sse {

namespace {

__m128i load(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
void store(uint8_t* p, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
void store_low(uint8_t* p, __m128i v) { _mm_storel_epi64(reinterpret_cast<__m128i*>(p), v); }

// 16 values per step; after the shuffle dword k holds byte k of four values.
void scatter4(const uint8_t* values, std::size_t count, uint8_t* const out[4], std::size_t& i) {
  const __m128i group = _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  for (; count - i >= 16; i += 16) {
    const uint8_t* v = values + 4 * i;
    const __m128i r0 = _mm_shuffle_epi8(load(v), group);
    const __m128i r1 = _mm_shuffle_epi8(load(v + 16), group);
    const __m128i r2 = _mm_shuffle_epi8(load(v + 32), group);
    const __m128i r3 = _mm_shuffle_epi8(load(v + 48), group);
    const __m128i t0 = _mm_unpacklo_epi32(r0, r1);
    const __m128i t1 = _mm_unpackhi_epi32(r0, r1);
    const __m128i t2 = _mm_unpacklo_epi32(r2, r3);
    const __m128i t3 = _mm_unpackhi_epi32(r2, r3);
    store(out[0] + i, _mm_unpacklo_epi64(t0, t2));
    store(out[1] + i, _mm_unpackhi_epi64(t0, t2));
    store(out[2] + i, _mm_unpacklo_epi64(t1, t3));
    store(out[3] + i, _mm_unpackhi_epi64(t1, t3));
  }
}

// 8 values per step; after the shuffle word k holds byte k of two values.
void scatter8(const uint8_t* values, std::size_t count, uint8_t* const out[8], std::size_t& i) {
  const __m128i group = _mm_setr_epi8(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  for (; count - i >= 8; i += 8) {
    const uint8_t* v = values + 8 * i;
    const __m128i r0 = _mm_shuffle_epi8(load(v), group);
    const __m128i r1 = _mm_shuffle_epi8(load(v + 16), group);
    const __m128i r2 = _mm_shuffle_epi8(load(v + 32), group);
    const __m128i r3 = _mm_shuffle_epi8(load(v + 48), group);
    const __m128i b0 = _mm_unpacklo_epi16(r0, r1);
    const __m128i b1 = _mm_unpackhi_epi16(r0, r1);
    const __m128i b2 = _mm_unpacklo_epi16(r2, r3);
    const __m128i b3 = _mm_unpackhi_epi16(r2, r3);
    // Low qword of c_m: stream 2m, high qword: stream 2m+1.
    const __m128i c[4] = {_mm_unpacklo_epi32(b0, b2), _mm_unpackhi_epi32(b0, b2),
                          _mm_unpacklo_epi32(b1, b3), _mm_unpackhi_epi32(b1, b3)};
    for (int m = 0; m < 4; ++m) {
      store_low(out[2 * m] + i, c[m]);
      store_low(out[2 * m + 1] + i, _mm_unpackhi_epi64(c[m], c[m]));
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

}  // namespace simingest::kernels::sse

SIMINGEST_TARGET_END

#endif  // SIMINGEST_KERNELS_X86
