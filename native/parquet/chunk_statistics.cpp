#include "parquet/chunk_statistics.hpp"

#include <string>

#include "parquet/column_type.hpp"

namespace simingest::parquet {

namespace {

constexpr uint64_t kFloatSign = 0x80000000u;
constexpr uint64_t kDoubleSign = 0x8000000000000000ull;

std::string plain_bytes(uint64_t physical, std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>(physical >> (8 * i));
  return out;
}

bool is_zero(Dtype dtype, uint64_t bits) noexcept {
  return dtype == Dtype::float32 ? (bits & ~kFloatSign & 0xFFFFFFFFu) == 0 : (bits & ~kDoubleSign) == 0;
}

// `bits` (zero-extended dtype bits) as PLAIN physical bytes; a float zero
// is written as -0.0 when `negative_zero`, else as +0.0.
std::string bound_bytes(Dtype dtype, uint64_t bits, bool negative_zero) {
  uint64_t physical = physical_bits(dtype, bits);
  if (dtype_is_float(dtype) && is_zero(dtype, physical))
    physical = negative_zero ? (dtype == Dtype::float32 ? kFloatSign : kDoubleSign) : 0;
  return plain_bytes(physical, column_type_of(dtype).physical_size);
}

}  // namespace

std::string min_value_bytes(Dtype dtype, uint64_t min_bits) { return bound_bytes(dtype, min_bits, true); }
std::string max_value_bytes(Dtype dtype, uint64_t max_bits) { return bound_bytes(dtype, max_bits, false); }

format::Statistics chunk_statistics(Dtype dtype, const ColumnStats& stats) {
  format::Statistics out;
  out.null_count = 0;
  const bool is_float = dtype_is_float(dtype);
  if (is_float) out.nan_count = static_cast<int64_t>(stats.nan_count);
  if (!stats.has_min_max) return out;

  out.min_value = min_value_bytes(dtype, stats.min_bits);
  out.max_value = max_value_bytes(dtype, stats.max_bits);
  out.is_min_value_exact = true;
  out.is_max_value_exact = true;
  if (!dtype_is_unsigned(dtype)) {
    out.min = out.min_value;
    out.max = out.max_value;
  }
  return out;
}

}  // namespace simingest::parquet
