// Finding the first NaN or infinity of a float column: the check behind the
// nonFinite "reject" policy, run on the host thread. The fused form copies
// the caller's array into the frame buffer and checks it in one pass, so
// the data is read once while it is in registers.
//
// A float is non-finite exactly when its exponent bits are all ones; the
// test is on bits, so it raises no FP exception and ignores MXCSR.
#pragma once

#include <cstddef>

#include "core/dtype.hpp"
#include "kernels/cpu_features.hpp"

namespace simingest::kernels {

// Index of the first NaN or ±Inf among `count` values of a float dtype at
// `data` (any alignment), or `count` if there is none. Integer dtypes: `count`.
std::size_t find_non_finite(Dtype dtype, const void* data, std::size_t count) noexcept;

// Copies `count` values of `dtype` from `src` to `dst` (both any alignment,
// not overlapping; always the whole array, whatever is found) and returns
// what find_non_finite(dtype, src, count) would.
std::size_t copy_and_find_non_finite(Dtype dtype, void* dst, const void* src, std::size_t count) noexcept;

// The same at supported_simd_level(level): for tests and benchmarks.
std::size_t find_non_finite_at(SimdLevel level, Dtype dtype, const void* data, std::size_t count) noexcept;
std::size_t copy_and_find_non_finite_at(SimdLevel level, Dtype dtype, void* dst, const void* src,
                                        std::size_t count) noexcept;

}  // namespace simingest::kernels
