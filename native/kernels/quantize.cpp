#include "kernels/quantize.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/x86_kernels.hpp"

namespace simingest::kernels {

namespace {

// The scalar twin: the definition the AVX2 level is tested against. From
// value `first` on (the SIMD level handles the ones before).
template <typename F, typename U>
void scalar_quantize(unsigned char* data, std::size_t first, std::size_t count, int mantissa_bits,
                     QuantizeError& error) noexcept {
  using L = FloatLayout<U>;
  const int drop = L::kMantissaBits - mantissa_bits;
  // Round to nearest, ties to even: add just under half a kept unit, plus
  // one if the kept part is odd, then clear the dropped bits. A carry out of
  // the mantissa moves to the next binade, which is the right result.
  const U half = drop > 0 ? (U{1} << (drop - 1)) - 1 : 0;
  const U kept = drop > 0 ? ~((U{1} << drop) - 1) : ~U{0};
  for (std::size_t i = first; i < count; ++i) {
    U x;
    std::memcpy(&x, data + i * sizeof(U), sizeof x);
    const U a = x & ~L::kSign;
    if (a >= L::kInf) continue;  // NaN, ±Inf
    ++error.finite;
    if (drop == 0 || a < L::kMinNormal) continue;  // zeros, subnormals
    const U r = (a + half + ((a >> drop) & 1)) & kept;
    if (r >= L::kInf) continue;  // would overflow to Inf: keep the value
    const U q = r | (x & L::kSign);
    std::memcpy(data + i * sizeof(U), &q, sizeof q);
    F fx, fq;
    std::memcpy(&fx, &x, sizeof fx);
    std::memcpy(&fq, &q, sizeof fq);
    // Exact in double: x' - x is the dropped part of x's mantissa.
    const double diff = std::fabs(static_cast<double>(fq) - static_cast<double>(fx));
    const double rel = diff / std::fabs(static_cast<double>(fx));
    if (diff > error.max_abs) error.max_abs = diff;
    if (rel > error.max_rel) error.max_rel = rel;
    error.sum_squares += diff * diff;
  }
}

// The largest finite magnitude's bits from value `first` on, at least `max_bits`.
template <typename U>
U scalar_max_finite_bits(const unsigned char* data, std::size_t first, std::size_t count, U max_bits) noexcept {
  using L = FloatLayout<U>;
  for (std::size_t i = first; i < count; ++i) {
    U x;
    std::memcpy(&x, data + i * sizeof(U), sizeof x);
    const U a = x & ~L::kSign;
    if (a < L::kInf && a > max_bits) max_bits = a;
  }
  return max_bits;
}

bool use_avx2(SimdLevel level) noexcept {
#if SIMINGEST_KERNELS_X86
  return supported_simd_level(level) == SimdLevel::avx2;
#else
  (void)level;
  return false;
#endif
}

}  // namespace

int float_mantissa_bits(Dtype dtype) noexcept { return dtype == Dtype::float32 ? 23 : 52; }

int mantissa_bits_for_rel_error(Dtype dtype, double r) noexcept {
  // 2^-(n+1) <= r  <=>  n >= -1 - log2(r); ilogb(r) = floor(log2(r)) exactly.
  const int bits = -1 - std::ilogb(r);
  return std::clamp(bits, 0, float_mantissa_bits(dtype));
}

int mantissa_bits_for_abs_error(Dtype dtype, double max_magnitude, double e) noexcept {
  if (!(max_magnitude > 0)) return 0;
  // A value of binade E' <= E = ilogb(max) moves by at most 2^(E'-n-1) <=
  // 2^(E-n-1), which is <= e once n >= E - 1 - floor(log2(e)).
  const int bits = std::ilogb(max_magnitude) - 1 - std::ilogb(e);
  return std::clamp(bits, 0, float_mantissa_bits(dtype));
}

void quantize_mantissa_at(SimdLevel level, Dtype dtype, unsigned char* data, std::size_t count,
                          int mantissa_bits, QuantizeError& error) noexcept {
  if (count == 0 || (dtype != Dtype::float32 && dtype != Dtype::float64)) return;
  mantissa_bits = std::clamp(mantissa_bits, 0, float_mantissa_bits(dtype));  // shifts stay defined
  std::size_t done = 0;
#if SIMINGEST_KERNELS_X86
  if (use_avx2(level)) done = avx2::quantize_mantissa(dtype, data, count, mantissa_bits, error);
#else
  (void)level;
#endif
  if (dtype == Dtype::float32)
    scalar_quantize<float, uint32_t>(data, done, count, mantissa_bits, error);
  else
    scalar_quantize<double, uint64_t>(data, done, count, mantissa_bits, error);
}

void quantize_mantissa(Dtype dtype, unsigned char* data, std::size_t count, int mantissa_bits,
                       QuantizeError& error) noexcept {
  quantize_mantissa_at(active_simd_level(), dtype, data, count, mantissa_bits, error);
}

double max_finite_magnitude_at(SimdLevel level, Dtype dtype, const unsigned char* data,
                               std::size_t count) noexcept {
  uint64_t bits = 0;
  std::size_t done = 0;
#if SIMINGEST_KERNELS_X86
  if (use_avx2(level) && count != 0) done = avx2::max_finite_magnitude_bits(dtype, data, count, bits);
#else
  (void)level;
#endif
  if (dtype == Dtype::float32) {
    const uint32_t top = scalar_max_finite_bits<uint32_t>(data, done, count, static_cast<uint32_t>(bits));
    float f;
    std::memcpy(&f, &top, sizeof f);
    return f;
  }
  if (dtype != Dtype::float64) return 0;
  const uint64_t top = scalar_max_finite_bits<uint64_t>(data, done, count, bits);
  double d;
  std::memcpy(&d, &top, sizeof d);
  return d;
}

double max_finite_magnitude(Dtype dtype, const unsigned char* data, std::size_t count) noexcept {
  return max_finite_magnitude_at(active_simd_level(), dtype, data, count);
}

void quantize_values_at(SimdLevel level, Dtype dtype, unsigned char* data, std::size_t count,
                        const QuantizeChoice& choice, std::size_t block_values, QuantizeError& error) noexcept {
  if (dtype != Dtype::float32 && dtype != Dtype::float64) return;
  switch (choice.mode) {
    case QuantizeChoice::Mode::none: return;
    case QuantizeChoice::Mode::mantissa_bits:
      return quantize_mantissa_at(level, dtype, data, count, choice.mantissa_bits, error);
    case QuantizeChoice::Mode::rel_error:
      return quantize_mantissa_at(level, dtype, data, count, mantissa_bits_for_rel_error(dtype, choice.error),
                                  error);
    case QuantizeChoice::Mode::abs_error: {
      const std::size_t width = dtype_size(dtype);
      const std::size_t block = std::max<std::size_t>(block_values, 1);
      for (std::size_t first = 0; first < count; first += block) {
        const std::size_t n = std::min(block, count - first);
        unsigned char* values = data + first * width;
        const double top = max_finite_magnitude_at(level, dtype, values, n);
        quantize_mantissa_at(level, dtype, values, n, mantissa_bits_for_abs_error(dtype, top, choice.error),
                             error);
      }
      return;
    }
  }
}

void quantize_values(Dtype dtype, unsigned char* data, std::size_t count, const QuantizeChoice& choice,
                     std::size_t block_values, QuantizeError& error) noexcept {
  quantize_values_at(active_simd_level(), dtype, data, count, choice, block_values, error);
}

}  // namespace simingest::kernels
