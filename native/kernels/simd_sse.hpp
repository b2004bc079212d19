// 128-bit integer lanes for the generic SIMD loops (column statistics,
// non-finite scan). Include only from a file compiled for SSE4.2, after
// `SIMINGEST_TARGET_BEGIN("sse4.2")`: everything here has internal linkage so no
// SSE4.2 code can be merged into a function the scalar path calls.
#pragma once

#include "kernels/cpu_features.hpp"

#if !SIMINGEST_KERNELS_X86
#error "simd_sse.hpp is for x86-64 builds only"
#endif

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace simingest::kernels {
namespace {

struct SseLanes {
  using Reg = __m128i;
  static constexpr std::size_t kBytes = 16;

  static Reg load(const unsigned char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
  static void store(unsigned char* p, Reg v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
  static Reg zero() { return _mm_setzero_si128(); }
  static Reg bit_and(Reg a, Reg b) { return _mm_and_si128(a, b); }
  static Reg bit_or(Reg a, Reg b) { return _mm_or_si128(a, b); }
  static Reg bit_xor(Reg a, Reg b) { return _mm_xor_si128(a, b); }
  // Lanes of `a` where `mask` is all ones replaced by those of `b`.
  static Reg select(Reg a, Reg b, Reg mask) { return _mm_blendv_epi8(a, b, mask); }
  static bool any(Reg mask) { return !_mm_testz_si128(mask, mask); }

  template <typename S> static Reg splat(S x) {
    if constexpr (sizeof(S) == 1) return _mm_set1_epi8(static_cast<char>(x));
    else if constexpr (sizeof(S) == 2) return _mm_set1_epi16(static_cast<short>(x));
    else if constexpr (sizeof(S) == 4) return _mm_set1_epi32(static_cast<int>(x));
    else return _mm_set1_epi64x(static_cast<long long>(x));
  }
  // Signed lane comparison: all ones where a > b.
  template <typename S> static Reg greater(Reg a, Reg b) {
    if constexpr (sizeof(S) == 1) return _mm_cmpgt_epi8(a, b);
    else if constexpr (sizeof(S) == 2) return _mm_cmpgt_epi16(a, b);
    else if constexpr (sizeof(S) == 4) return _mm_cmpgt_epi32(a, b);
    else return _mm_cmpgt_epi64(a, b);
  }
  template <typename S> static Reg equal(Reg a, Reg b) {
    if constexpr (sizeof(S) == 4) return _mm_cmpeq_epi32(a, b);
    else return _mm_cmpeq_epi64(a, b);
  }
  template <typename S> static Reg min(Reg a, Reg b) {
    if constexpr (sizeof(S) == 1) return _mm_min_epi8(a, b);
    else if constexpr (sizeof(S) == 2) return _mm_min_epi16(a, b);
    else if constexpr (sizeof(S) == 4) return _mm_min_epi32(a, b);
    else return select(a, b, greater<S>(a, b));
  }
  template <typename S> static Reg max(Reg a, Reg b) {
    if constexpr (sizeof(S) == 1) return _mm_max_epi8(a, b);
    else if constexpr (sizeof(S) == 2) return _mm_max_epi16(a, b);
    else if constexpr (sizeof(S) == 4) return _mm_max_epi32(a, b);
    else return select(a, b, greater<S>(b, a));
  }
  template <typename S> static Reg sub(Reg a, Reg b) {
    if constexpr (sizeof(S) == 4) return _mm_sub_epi32(a, b);
    else return _mm_sub_epi64(a, b);
  }
  // Logical right shift by one bit of every lane.
  template <typename S> static Reg shift_right_1(Reg a) {
    if constexpr (sizeof(S) == 4) return _mm_srli_epi32(a, 1);
    else return _mm_srli_epi64(a, 1);
  }
};

}  // namespace
}  // namespace simingest::kernels
