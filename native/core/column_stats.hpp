// Statistics of one column over some rows: min, max (NaN never counts) and
// the number of NaNs. Values are kept as the bits of the column's dtype,
// zero-extended into 64 bits, so one type serves every dtype.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dtype.hpp"

namespace simingest {

struct ColumnStats {
  bool has_min_max = false;  // false when there was no non-NaN value
  uint64_t min_bits = 0;     // e.g. the 4 bytes of a float32, the 1 byte of an int8
  uint64_t max_bits = 0;
  uint64_t nan_count = 0;

  // Folds `other` (statistics of more rows of the same dtype) into this,
  // with the order of compute_column_stats (kernels/column_stats_kernel.hpp):
  // -0 below +0.
  void merge(const ColumnStats& other, Dtype dtype) noexcept;
};

// Statistics of one value repeated `count` times (count > 0).
ColumnStats scalar_column_stats(Dtype dtype, const void* value, std::size_t count) noexcept;

// Three-way comparison of two values of `dtype` given as bits (-1, 0, 1);
// floats compare numerically, -0 equal to +0; neither may be NaN.
int compare_value_bits(Dtype dtype, uint64_t a, uint64_t b) noexcept;

// Loads one value of `dtype` from `data` (any alignment) into its bits.
uint64_t load_value_bits(Dtype dtype, const void* data) noexcept;

}  // namespace simingest
