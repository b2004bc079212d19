#include "core/column_stats.hpp"

#include <cmath>
#include <cstring>
#include <type_traits>

namespace simingest {

namespace {

template <std::size_t N> struct UnsignedOfSize;
template <> struct UnsignedOfSize<1> { using type = uint8_t; };
template <> struct UnsignedOfSize<2> { using type = uint16_t; };
template <> struct UnsignedOfSize<4> { using type = uint32_t; };
template <> struct UnsignedOfSize<8> { using type = uint64_t; };

// A value's bits, zero-extended: the representation ColumnStats keeps for every dtype.
template <typename T>
uint64_t bits_of(T value) noexcept {
  typename UnsignedOfSize<sizeof(T)>::type raw;
  std::memcpy(&raw, &value, sizeof value);
  return raw;
}

template <typename T>
T value_of(uint64_t bits) noexcept {
  const auto raw = static_cast<typename UnsignedOfSize<sizeof(T)>::type>(bits);
  T value;
  std::memcpy(&value, &raw, sizeof value);
  return value;
}

// Column data has any alignment (it is the caller's buffer), so every load is a memcpy;
// compilers turn it into one unaligned load.
template <typename T>
T load(const unsigned char* p) noexcept {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

template <typename T> struct TypeTag { using type = T; };

// Calls `f(TypeTag<T>{})` with the C++ type of `dtype`; false for a value outside the enum.
template <typename F>
bool visit_dtype(Dtype dtype, F&& f) {
  switch (dtype) {
    case Dtype::float32: f(TypeTag<float>{}); return true;
    case Dtype::float64: f(TypeTag<double>{}); return true;
    case Dtype::int8: f(TypeTag<int8_t>{}); return true;
    case Dtype::int16: f(TypeTag<int16_t>{}); return true;
    case Dtype::int32: f(TypeTag<int32_t>{}); return true;
    case Dtype::int64: f(TypeTag<int64_t>{}); return true;
    case Dtype::uint8: f(TypeTag<uint8_t>{}); return true;
    case Dtype::uint16: f(TypeTag<uint16_t>{}); return true;
    case Dtype::uint32: f(TypeTag<uint32_t>{}); return true;
    case Dtype::uint64: f(TypeTag<uint64_t>{}); return true;
  }
  return false;
}

// Among equal floats only ±0 differ in bits; the order the kernels use puts
// -0 below +0, and merging must agree so pieces merge to the stats of the whole.
bool is_negative_zero(Dtype dtype, uint64_t bits) noexcept {
  return (dtype == Dtype::float32 && bits == 0x80000000u) ||
         (dtype == Dtype::float64 && bits == 0x8000000000000000u);
}

}  // namespace

void ColumnStats::merge(const ColumnStats& other, Dtype dtype) noexcept {
  nan_count += other.nan_count;
  if (!other.has_min_max) return;
  if (!has_min_max) {
    has_min_max = true;
    min_bits = other.min_bits;
    max_bits = other.max_bits;
    return;
  }
  const int by_min = compare_value_bits(dtype, other.min_bits, min_bits);
  if (by_min < 0 || (by_min == 0 && is_negative_zero(dtype, other.min_bits))) min_bits = other.min_bits;
  const int by_max = compare_value_bits(dtype, other.max_bits, max_bits);
  if (by_max > 0 || (by_max == 0 && is_negative_zero(dtype, max_bits))) max_bits = other.max_bits;
}

ColumnStats scalar_column_stats(Dtype dtype, const void* value, std::size_t count) noexcept {
  ColumnStats stats;
  if (count == 0) return stats;
  const auto* p = static_cast<const unsigned char*>(value);
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = load<T>(p);
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(v)) {
        stats.nan_count = count;
        return;
      }
    }
    stats.has_min_max = true;
    stats.min_bits = bits_of(v);
    stats.max_bits = stats.min_bits;
  });
  return stats;
}

int compare_value_bits(Dtype dtype, uint64_t a, uint64_t b) noexcept {
  int result = 0;
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T x = value_of<T>(a);
    const T y = value_of<T>(b);
    result = x < y ? -1 : (y < x ? 1 : 0);
  });
  return result;
}

uint64_t load_value_bits(Dtype dtype, const void* data) noexcept {
  uint64_t bits = 0;
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    bits = bits_of(load<T>(static_cast<const unsigned char*>(data)));
  });
  return bits;
}

}  // namespace simingest
