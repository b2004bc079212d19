#include "kernels/column_stats_kernel.hpp"

#include <cstdint>
#include <cstring>

#include "kernels/order_key.hpp"
#include "kernels/x86_kernels.hpp"

namespace simingest::kernels {

namespace {

// The scalar twin: the definition every SIMD level is tested against.
template <typename T>
typename OrderKey<T>::U bits_at(const unsigned char* p, std::size_t i) noexcept {
  typename OrderKey<T>::U bits;
  std::memcpy(&bits, p + i * sizeof(T), sizeof bits);
  return bits;
}

template <typename T>
ColumnStats scalar_column_stats(const unsigned char* p, std::size_t count) noexcept {
  using Order = OrderKey<T>;
  KeyRange<T> range;
  if constexpr (!Order::is_float) {
    // No NaN: a plain min/max loop, which the compiler vectorises.
    for (std::size_t i = 0; i < count; ++i) range.add_key(Order::key(bits_at<T>(p, i)));
    return range.stats(count);
  }
  std::size_t i = 0;
  while (i < count && Order::is_nan(bits_at<T>(p, i))) ++i;
  uint64_t nans = i;
  if (i < count) {
    // Starting from the first non-NaN value keeps min <= max, so a value
    // below the min cannot also be above the max: one comparison usually.
    auto min = Order::key(bits_at<T>(p, i));
    auto max = min;
    for (++i; i < count; ++i) {
      const auto bits = bits_at<T>(p, i);
      if (Order::is_nan(bits)) {
        ++nans;
        continue;
      }
      const auto k = Order::key(bits);
      if (k < min) min = k;
      else if (k > max) max = k;
    }
    range.min = min;
    range.max = max;
  }
  range.nans = nans;
  return range.stats(count);
}

ColumnStats scalar_column_stats(Dtype dtype, const unsigned char* p, std::size_t count) noexcept {
  switch (dtype) {
    case Dtype::float32: return scalar_column_stats<float>(p, count);
    case Dtype::float64: return scalar_column_stats<double>(p, count);
    case Dtype::int8: return scalar_column_stats<int8_t>(p, count);
    case Dtype::int16: return scalar_column_stats<int16_t>(p, count);
    case Dtype::int32: return scalar_column_stats<int32_t>(p, count);
    case Dtype::int64: return scalar_column_stats<int64_t>(p, count);
    case Dtype::uint8: return scalar_column_stats<uint8_t>(p, count);
    case Dtype::uint16: return scalar_column_stats<uint16_t>(p, count);
    case Dtype::uint32: return scalar_column_stats<uint32_t>(p, count);
    case Dtype::uint64: return scalar_column_stats<uint64_t>(p, count);
  }
  return ColumnStats{};
}

}  // namespace

ColumnStats column_stats_kernel_at(SimdLevel level, Dtype dtype, const void* data, std::size_t count) noexcept {
  if (count == 0) return ColumnStats{};
  const auto* p = static_cast<const unsigned char*>(data);
  switch (supported_simd_level(level)) {
#if SIMINGEST_KERNELS_X86
    case SimdLevel::avx2: return avx2::column_stats(dtype, p, count);
    case SimdLevel::sse: return sse::column_stats(dtype, p, count);
#endif
    default: return scalar_column_stats(dtype, p, count);
  }
}

ColumnStats column_stats_kernel(Dtype dtype, const void* data, std::size_t count) noexcept {
  return column_stats_kernel_at(active_simd_level(), dtype, data, count);
}

}  // namespace simingest::kernels

namespace simingest {

ColumnStats compute_column_stats(Dtype dtype, const void* data, std::size_t count) noexcept {
  return kernels::column_stats_kernel(dtype, data, count);
}

}  // namespace simingest
