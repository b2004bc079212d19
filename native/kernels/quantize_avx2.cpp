// Quantisation at the AVX2 level (quantize.hpp): the scalar twin's integer
// rounding on 8 float32 or 4 float64 lanes, and the error of the changed
// lanes in double lanes. Whole vectors only; quantize.cpp finishes the tail
// with the scalar twin.
#include "kernels/cpu_features.hpp"

#if SIMINGEST_KERNELS_X86

// Every header with code the scalar path may also use comes before the
// target region (see target_region.hpp).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/quantize.hpp"
#include "kernels/target_region.hpp"
#include "kernels/x86_kernels.hpp"

SIMINGEST_TARGET_BEGIN("avx2")

namespace simingest::kernels::avx2 {

namespace {

// Error lanes of one vector: `changed` all ones where the value was rounded.
struct ErrorLanes {
  // User-provided, so it is compiled inside the target region (an implicit
  // constructor would not be).
  ErrorLanes() : max_abs(_mm256_setzero_pd()), max_rel(_mm256_setzero_pd()), sum_squares(_mm256_setzero_pd()) {}

  __m256d max_abs;
  __m256d max_rel;
  __m256d sum_squares;

  void add(__m256d x, __m256d q, __m256d changed) {
    const __m256d sign = _mm256_set1_pd(-0.0);
    // Unchanged lanes (NaN, Inf, zeros) give 0, never NaN: the difference is
    // masked and the divisor is 1 there.
    const __m256d diff = _mm256_and_pd(changed, _mm256_andnot_pd(sign, _mm256_sub_pd(q, x)));
    const __m256d divisor = _mm256_blendv_pd(_mm256_set1_pd(1.0), _mm256_andnot_pd(sign, x), changed);
    max_abs = _mm256_max_pd(max_abs, diff);
    max_rel = _mm256_max_pd(max_rel, _mm256_div_pd(diff, divisor));
    sum_squares = _mm256_add_pd(sum_squares, _mm256_mul_pd(diff, diff));
  }

  void into(QuantizeError& error) const {
    alignas(32) double a[4], r[4], s[4];
    _mm256_store_pd(a, max_abs);
    _mm256_store_pd(r, max_rel);
    _mm256_store_pd(s, sum_squares);
    for (int k = 0; k < 4; ++k) {
      if (a[k] > error.max_abs) error.max_abs = a[k];
      if (r[k] > error.max_rel) error.max_rel = r[k];
    }
    error.sum_squares += (s[0] + s[1]) + (s[2] + s[3]);
  }
};

std::size_t quantize32(unsigned char* data, std::size_t count, int drop, QuantizeError& error) {
  using L = FloatLayout<uint32_t>;
  const __m256i sign = _mm256_set1_epi32(static_cast<int32_t>(L::kSign));
  const __m256i magnitude = _mm256_set1_epi32(static_cast<int32_t>(~L::kSign));
  const __m256i finite_top = _mm256_set1_epi32(static_cast<int32_t>(L::kInf - 1));
  const __m256i min_normal = _mm256_set1_epi32(static_cast<int32_t>(L::kMinNormal));
  const __m256i half = _mm256_set1_epi32(static_cast<int32_t>((uint32_t{1} << (drop - 1)) - 1));
  const __m256i kept = _mm256_set1_epi32(static_cast<int32_t>(~((uint32_t{1} << drop) - 1)));
  const __m256i one = _mm256_set1_epi32(1);
  const __m128i shift = _mm_cvtsi32_si128(drop);
  ErrorLanes lanes;
  uint64_t non_finite = 0;
  std::size_t i = 0;
  for (; count - i >= 8; i += 8) {
    auto* p = reinterpret_cast<__m256i*>(data + 4 * i);
    const __m256i x = _mm256_loadu_si256(p);
    const __m256i a = _mm256_and_si256(x, magnitude);
    const __m256i lsb = _mm256_and_si256(_mm256_srl_epi32(a, shift), one);
    const __m256i r = _mm256_and_si256(_mm256_add_epi32(_mm256_add_epi32(a, half), lsb), kept);
    // Signed compares are safe: a <= 0x7fffffff, and r of a finite a is
    // at most 0x7f7fffff + 2^22.
    const __m256i nan_inf = _mm256_cmpgt_epi32(a, finite_top);
    const __m256i keep = _mm256_or_si256(_mm256_or_si256(nan_inf, _mm256_cmpgt_epi32(min_normal, a)),
                                         _mm256_cmpgt_epi32(r, finite_top));
    const __m256i q = _mm256_blendv_epi8(_mm256_or_si256(r, _mm256_and_si256(x, sign)), x, keep);
    _mm256_storeu_si256(p, q);
    non_finite += static_cast<uint64_t>(
        __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(nan_inf)))));
    const __m256i changed = _mm256_andnot_si256(keep, _mm256_set1_epi32(-1));
    const __m256 xf = _mm256_castsi256_ps(x);
    const __m256 qf = _mm256_castsi256_ps(q);
    lanes.add(_mm256_cvtps_pd(_mm256_castps256_ps128(xf)), _mm256_cvtps_pd(_mm256_castps256_ps128(qf)),
              _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(changed))));
    lanes.add(_mm256_cvtps_pd(_mm256_extractf128_ps(xf, 1)), _mm256_cvtps_pd(_mm256_extractf128_ps(qf, 1)),
              _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(changed, 1))));
  }
  lanes.into(error);
  error.finite += i - non_finite;
  return i;
}

std::size_t quantize64(unsigned char* data, std::size_t count, int drop, QuantizeError& error) {
  using L = FloatLayout<uint64_t>;
  const __m256i sign = _mm256_set1_epi64x(static_cast<int64_t>(L::kSign));
  const __m256i magnitude = _mm256_set1_epi64x(static_cast<int64_t>(~L::kSign));
  const __m256i finite_top = _mm256_set1_epi64x(static_cast<int64_t>(L::kInf - 1));
  const __m256i min_normal = _mm256_set1_epi64x(static_cast<int64_t>(L::kMinNormal));
  const __m256i half = _mm256_set1_epi64x(static_cast<int64_t>((uint64_t{1} << (drop - 1)) - 1));
  const __m256i kept = _mm256_set1_epi64x(static_cast<int64_t>(~((uint64_t{1} << drop) - 1)));
  const __m256i one = _mm256_set1_epi64x(1);
  const __m128i shift = _mm_cvtsi32_si128(drop);
  ErrorLanes lanes;
  uint64_t non_finite = 0;
  std::size_t i = 0;
  for (; count - i >= 4; i += 4) {
    auto* p = reinterpret_cast<__m256i*>(data + 8 * i);
    const __m256i x = _mm256_loadu_si256(p);
    const __m256i a = _mm256_and_si256(x, magnitude);
    const __m256i lsb = _mm256_and_si256(_mm256_srl_epi64(a, shift), one);
    const __m256i r = _mm256_and_si256(_mm256_add_epi64(_mm256_add_epi64(a, half), lsb), kept);
    const __m256i nan_inf = _mm256_cmpgt_epi64(a, finite_top);
    const __m256i keep = _mm256_or_si256(_mm256_or_si256(nan_inf, _mm256_cmpgt_epi64(min_normal, a)),
                                         _mm256_cmpgt_epi64(r, finite_top));
    const __m256i q = _mm256_blendv_epi8(_mm256_or_si256(r, _mm256_and_si256(x, sign)), x, keep);
    _mm256_storeu_si256(p, q);
    non_finite += static_cast<uint64_t>(
        __builtin_popcount(static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(nan_inf)))));
    const __m256i changed = _mm256_andnot_si256(keep, _mm256_set1_epi64x(-1));
    lanes.add(_mm256_castsi256_pd(x), _mm256_castsi256_pd(q), _mm256_castsi256_pd(changed));
  }
  lanes.into(error);
  error.finite += i - non_finite;
  return i;
}

}  // namespace

std::size_t quantize_mantissa(Dtype dtype, unsigned char* data, std::size_t count, int mantissa_bits,
                              QuantizeError& error) noexcept {
  const int drop = float_mantissa_bits(dtype) - mantissa_bits;
  if (drop <= 0) return 0;  // nothing rounds: the scalar loop only counts
  return dtype == Dtype::float32 ? quantize32(data, count, drop, error) : quantize64(data, count, drop, error);
}

std::size_t max_finite_magnitude_bits(Dtype dtype, const unsigned char* data, std::size_t count,
                                      uint64_t& max_bits) noexcept {
  std::size_t i = 0;
  if (dtype == Dtype::float32) {
    using L = FloatLayout<uint32_t>;
    const __m256i magnitude = _mm256_set1_epi32(static_cast<int32_t>(~L::kSign));
    const __m256i inf = _mm256_set1_epi32(static_cast<int32_t>(L::kInf));
    __m256i top = _mm256_setzero_si256();
    for (; count - i >= 8; i += 8) {
      const __m256i a =
          _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + 4 * i)), magnitude);
      top = _mm256_max_epu32(top, _mm256_and_si256(a, _mm256_cmpgt_epi32(inf, a)));  // NaN, Inf -> 0
    }
    alignas(32) uint32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), top);
    for (uint32_t lane : lanes)
      if (lane > max_bits) max_bits = lane;
    return i;
  }
  using L = FloatLayout<uint64_t>;
  const __m256i magnitude = _mm256_set1_epi64x(static_cast<int64_t>(~L::kSign));
  const __m256i inf = _mm256_set1_epi64x(static_cast<int64_t>(L::kInf));
  __m256i top = _mm256_setzero_si256();
  for (; count - i >= 4; i += 4) {
    __m256i a = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + 8 * i)), magnitude);
    a = _mm256_and_si256(a, _mm256_cmpgt_epi64(inf, a));
    top = _mm256_blendv_epi8(top, a, _mm256_cmpgt_epi64(a, top));
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), top);
  for (uint64_t lane : lanes)
    if (lane > max_bits) max_bits = lane;
  return i;
}

}  // namespace simingest::kernels::avx2

SIMINGEST_TARGET_END

#endif  // SIMINGEST_KERNELS_X86
