// The loop behind compute_column_stats: min, max and NaN count of a column,
// at the SIMD level chosen for this process or at a given one.
//
// Semantics, equal at every level bit for bit:
// - integers compare as their dtype (signed or unsigned);
// - floats compare numerically with -0 below +0, so the min of a column
//   holding both zeros is -0 and its max +0, whatever their order;
// - NaN (either sign, quiet or signalling, any payload) is counted and is
//   never min or max; ±Inf are ordinary values;
// - comparisons work on bits, so DAZ/FTZ in MXCSR do not change results
//   (subnormals stay distinct from zero) and no FP exception is raised.
#pragma once

#include <cstddef>

#include "core/column_stats.hpp"
#include "core/dtype.hpp"
#include "kernels/cpu_features.hpp"

namespace simingest {

// Statistics of `count` values of `dtype` at `data` (any alignment; may be
// NULL when `count` is 0), computed by the SIMD kernel chosen for this CPU.
// NaN is counted and never min or max; floats order numerically with -0
// below +0, so with both zeros present min is -0 and max is +0.
ColumnStats compute_column_stats(Dtype dtype, const void* data, std::size_t count) noexcept;

}  // namespace simingest

namespace simingest::kernels {

// Statistics of `count` values of `dtype` at `data` (any alignment; may be
// NULL when `count` is 0), at active_simd_level().
ColumnStats column_stats_kernel(Dtype dtype, const void* data, std::size_t count) noexcept;

// The same at supported_simd_level(level): for tests and benchmarks.
ColumnStats column_stats_kernel_at(SimdLevel level, Dtype dtype, const void* data, std::size_t count) noexcept;

}  // namespace simingest::kernels
