// Lossy, error-bounded quantisation of float columns (issue 16 item 4): each
// value is rounded to nearest, ties to even, keeping n explicit mantissa bits,
// so the stored values stay ordinary IEEE floats any Parquet reader opens and
// their low mantissa bits are zeros that zstd then removes.
//
// What every level guarantees, bit for bit equal to the scalar twin:
// - NaN (any payload), ±Inf, ±0 and subnormals are stored unchanged: NaN and
//   Inf must survive exactly, and a subnormal already has fewer significant
//   bits than the bound assumes (rounding it could lose it entirely);
// - a finite value whose rounding would carry into the Inf exponent (the top
//   of the largest binade, FLT_MAX itself) is stored unchanged, never as Inf;
// - every other value x becomes x' with |x' - x| <= 2^(e-n-1), where 2^e <= |x|
//   is x's binade, hence |x' - x| <= 2^-(n+1) * |x|;
// - the rounding is integer arithmetic on the bits: MXCSR (DAZ/FTZ, rounding
//   mode) does not change it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dtype.hpp"
#include "core/format_choices.hpp"
#include "kernels/cpu_features.hpp"

namespace simingest::kernels {

// The IEEE layout of the float whose bits are U (uint32_t: float32,
// uint64_t: float64). Constants only, so the SIMD levels may use it too.
template <typename U>
struct FloatLayout {
  static constexpr int kMantissaBits = sizeof(U) == 4 ? 23 : 52;
  static constexpr U kSign = U{1} << (8 * sizeof(U) - 1);
  static constexpr U kInf = (kSign - 1) & ~((U{1} << kMantissaBits) - 1);  // exponent all ones
  static constexpr U kMinNormal = U{1} << kMantissaBits;
};

// The error quantisation made, over the finite values it saw (kept values
// count with error 0). RMS error = sqrt(sum_squares / finite).
struct QuantizeError {
  double max_abs = 0;
  double max_rel = 0;      // |x' - x| / |x| over the values that changed
  double sum_squares = 0;  // of x' - x
  uint64_t finite = 0;

  void merge(const QuantizeError& other) noexcept {
    if (other.max_abs > max_abs) max_abs = other.max_abs;
    if (other.max_rel > max_rel) max_rel = other.max_rel;
    sum_squares += other.sum_squares;
    finite += other.finite;
  }
};

// Explicit mantissa bits of a float dtype: 23 for float32, 52 for float64.
int float_mantissa_bits(Dtype dtype) noexcept;

// The fewest mantissa bits n (0..float_mantissa_bits) with 2^-(n+1) <= r:
// every value within |x' - x| <= r * |x|.
int mantissa_bits_for_rel_error(Dtype dtype, double r) noexcept;

// The fewest mantissa bits n (0..float_mantissa_bits) such that every value
// of magnitude at most `max_magnitude` is within |x' - x| <= e.
int mantissa_bits_for_abs_error(Dtype dtype, double max_magnitude, double e) noexcept;

// Rounds `count` values of `dtype` (float32 or float64) at `data` in place,
// keeping `mantissa_bits` (0..float_mantissa_bits(dtype); the full width
// changes nothing), and adds the error made to `error`. Any alignment.
void quantize_mantissa(Dtype dtype, unsigned char* data, std::size_t count, int mantissa_bits,
                       QuantizeError& error) noexcept;
void quantize_mantissa_at(SimdLevel level, Dtype dtype, unsigned char* data, std::size_t count,
                          int mantissa_bits, QuantizeError& error) noexcept;

// The largest |x| over the finite values (0 if there are none).
double max_finite_magnitude(Dtype dtype, const unsigned char* data, std::size_t count) noexcept;
double max_finite_magnitude_at(SimdLevel level, Dtype dtype, const unsigned char* data,
                               std::size_t count) noexcept;

// Applies `choice` to `count` values in place: mantissa_bits and rel_error
// with one bit count for all; abs_error block by block (`block_values` each,
// the last shorter), each block's bits derived from its largest finite
// magnitude. Does nothing for Mode::none or a non-float dtype.
void quantize_values(Dtype dtype, unsigned char* data, std::size_t count, const QuantizeChoice& choice,
                     std::size_t block_values, QuantizeError& error) noexcept;
void quantize_values_at(SimdLevel level, Dtype dtype, unsigned char* data, std::size_t count,
                        const QuantizeChoice& choice, std::size_t block_values, QuantizeError& error) noexcept;

}  // namespace simingest::kernels
