#include "kernels/byte_stream_split.hpp"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "kernels/x86_kernels.hpp"

namespace simingest::kernels {

namespace {

// Fixed width lets the compiler keep the K output pointers in registers and
// unroll the byte loop.
template <std::size_t W>
void scatter_fixed(const uint8_t* values, std::size_t count, uint8_t* streams,
                   std::size_t stream_length, std::size_t first) noexcept {
  uint8_t* out[W];
  for (std::size_t k = 0; k < W; ++k) out[k] = streams + k * stream_length + first;
  for (std::size_t i = 0; i < count; ++i) {
    const uint8_t* v = values + i * W;
    for (std::size_t k = 0; k < W; ++k) out[k][i] = v[k];
  }
}

}  // namespace

void byte_stream_split_scatter_at(SimdLevel level, const uint8_t* values, std::size_t count, std::size_t width,
                                  uint8_t* streams, std::size_t stream_length, std::size_t first) noexcept {
  if (count == 0) return;
#if SIMINGEST_KERNELS_X86
  if (width == 4 || width == 8) {
    switch (supported_simd_level(level)) {
      case SimdLevel::avx2: return avx2::byte_stream_split_scatter(values, count, width, streams, stream_length, first);
      case SimdLevel::sse: return sse::byte_stream_split_scatter(values, count, width, streams, stream_length, first);
      case SimdLevel::scalar: break;
    }
  }
#else
  (void)level;
#endif
  // The scalar twin.
  switch (width) {
    case 4: scatter_fixed<4>(values, count, streams, stream_length, first); return;
    case 8: scatter_fixed<8>(values, count, streams, stream_length, first); return;
    default:
      for (std::size_t i = 0; i < count; ++i)
        for (std::size_t k = 0; k < width; ++k)
          streams[k * stream_length + first + i] = values[i * width + k];
  }
}

void byte_stream_split_scatter(const uint8_t* values, std::size_t count, std::size_t width,
                               uint8_t* streams, std::size_t stream_length, std::size_t first) noexcept {
  byte_stream_split_scatter_at(active_simd_level(), values, count, width, streams, stream_length, first);
}

void byte_stream_split_fill(const uint8_t* value, std::size_t count, std::size_t width,
                            uint8_t* streams, std::size_t stream_length, std::size_t first) noexcept {
  for (std::size_t k = 0; k < width; ++k) std::memset(streams + k * stream_length + first, value[k], count);
}

namespace {

#if defined(__SSE2__)
// SSE2 is part of x86-64 itself, so these need no dispatch: byte interleaves
// (unpack) turn 16 bytes of each stream into 16 whole values. Queries decode
// every float page through here, so a byte-at-a-time loop was their slowest step.
__m128i load16(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
void store16(uint8_t* p, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }

std::size_t gather4(const uint8_t* streams, std::size_t count, uint8_t* values) noexcept {
  const uint8_t *s0 = streams, *s1 = s0 + count, *s2 = s1 + count, *s3 = s2 + count;
  std::size_t i = 0;
  for (; count - i >= 16; i += 16) {
    const __m128i a = load16(s0 + i), b = load16(s1 + i), c = load16(s2 + i), d = load16(s3 + i);
    const __m128i ab_lo = _mm_unpacklo_epi8(a, b), ab_hi = _mm_unpackhi_epi8(a, b);
    const __m128i cd_lo = _mm_unpacklo_epi8(c, d), cd_hi = _mm_unpackhi_epi8(c, d);
    uint8_t* out = values + 4 * i;
    store16(out, _mm_unpacklo_epi16(ab_lo, cd_lo));
    store16(out + 16, _mm_unpackhi_epi16(ab_lo, cd_lo));
    store16(out + 32, _mm_unpacklo_epi16(ab_hi, cd_hi));
    store16(out + 48, _mm_unpackhi_epi16(ab_hi, cd_hi));
  }
  return i;
}

std::size_t gather8(const uint8_t* streams, std::size_t count, uint8_t* values) noexcept {
  const uint8_t* s[8];
  for (std::size_t k = 0; k < 8; ++k) s[k] = streams + k * count;
  std::size_t i = 0;
  for (; count - i >= 16; i += 16) {
    __m128i pair_lo[4], pair_hi[4];  // bytes 2m and 2m+1 of values 0-7 and 8-15
    for (std::size_t m = 0; m < 4; ++m) {
      const __m128i even = load16(s[2 * m] + i), odd = load16(s[2 * m + 1] + i);
      pair_lo[m] = _mm_unpacklo_epi8(even, odd);
      pair_hi[m] = _mm_unpackhi_epi8(even, odd);
    }
    // quad[q][h]: bytes 0-3 (h = 0) or 4-7 (h = 1) of values 4q .. 4q+3.
    __m128i quad[4][2];
    for (std::size_t h = 0; h < 2; ++h) {
      quad[0][h] = _mm_unpacklo_epi16(pair_lo[2 * h], pair_lo[2 * h + 1]);
      quad[1][h] = _mm_unpackhi_epi16(pair_lo[2 * h], pair_lo[2 * h + 1]);
      quad[2][h] = _mm_unpacklo_epi16(pair_hi[2 * h], pair_hi[2 * h + 1]);
      quad[3][h] = _mm_unpackhi_epi16(pair_hi[2 * h], pair_hi[2 * h + 1]);
    }
    uint8_t* out = values + 8 * i;
    for (std::size_t q = 0; q < 4; ++q) {
      store16(out + 32 * q, _mm_unpacklo_epi32(quad[q][0], quad[q][1]));
      store16(out + 32 * q + 16, _mm_unpackhi_epi32(quad[q][0], quad[q][1]));
    }
  }
  return i;
}
#endif

}  // namespace

void byte_stream_split_gather(const uint8_t* streams, std::size_t count, std::size_t width,
                              uint8_t* values) noexcept {
  std::size_t first = 0;
#if defined(__SSE2__)
  if (width == 4) first = gather4(streams, count, values);
  if (width == 8) first = gather8(streams, count, values);
#endif
  for (std::size_t i = first; i < count; ++i)
    for (std::size_t k = 0; k < width; ++k) values[i * width + k] = streams[k * count + i];
}

}  // namespace simingest::kernels
