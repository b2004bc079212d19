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

}  // namespace

format::Statistics chunk_statistics(Dtype dtype, const ColumnStats& stats) {
  format::Statistics out;
  out.null_count = 0;
  const bool is_float = dtype_is_float(dtype);
  if (is_float) out.nan_count = static_cast<int64_t>(stats.nan_count);
  if (!stats.has_min_max) return out;

  uint64_t min = physical_bits(dtype, stats.min_bits);
  uint64_t max = physical_bits(dtype, stats.max_bits);
  if (is_float) {
    const uint64_t sign = dtype == Dtype::float32 ? kFloatSign : kDoubleSign;
    if (is_zero(dtype, min)) min = sign;  // -0.0
    if (is_zero(dtype, max)) max = 0;     // +0.0
  }
  const std::size_t size = column_type_of(dtype).physical_size;
  out.min_value = plain_bytes(min, size);
  out.max_value = plain_bytes(max, size);
  out.is_min_value_exact = true;
  out.is_max_value_exact = true;
  if (!dtype_is_unsigned(dtype)) {
    out.min = out.min_value;
    out.max = out.max_value;
  }
  return out;
}

}  // namespace simingest::parquet
