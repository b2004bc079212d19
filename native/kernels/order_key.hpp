// Every dtype ordered as signed integers of its width, so that one signed
// min/max over integer lanes serves all ten dtypes at every SIMD level, and
// floats are compared without floating-point instructions: the result does
// not depend on MXCSR (DAZ/FTZ would make subnormals equal to zero) and
// signalling NaNs raise nothing.
//
// Float keys: non-negative floats keep their bits, negative ones get their
// magnitude bits flipped, so key order is numeric order with -0 just below
// +0. NaN (either sign, quiet or signalling, any payload) has a key too but
// must be filtered out first: is_nan() tells it from ±Inf by the mantissa.
//
// The key transform of a float is its own inverse (it never changes the
// sign bit), as is that of an unsigned integer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/column_stats.hpp"

namespace simingest::kernels {

template <std::size_t N> struct LaneTypes;
template <> struct LaneTypes<1> { using U = uint8_t; using S = int8_t; };
template <> struct LaneTypes<2> { using U = uint16_t; using S = int16_t; };
template <> struct LaneTypes<4> { using U = uint32_t; using S = int32_t; };
template <> struct LaneTypes<8> { using U = uint64_t; using S = int64_t; };

template <typename T>
struct OrderKey {
  using U = typename LaneTypes<sizeof(T)>::U;  // the value's bits
  using S = typename LaneTypes<sizeof(T)>::S;  // its key
  static constexpr bool is_float = std::is_floating_point_v<T>;
  static constexpr U kSign = U(U(1) << (8 * sizeof(T) - 1));
  static constexpr U kMagnitude = U(kSign - 1);
  // All exponent bits set: ±Inf exactly, NaN when any mantissa bit is set too.
  static constexpr U kExponent = sizeof(T) == 4 ? U(0x7f800000u) : U(0x7ff0000000000000ull);

  static constexpr bool is_nan(U bits) noexcept { return is_float && U(bits & kMagnitude) > kExponent; }

  static constexpr S key(U bits) noexcept {
    if constexpr (is_float) return static_cast<S>(bits ^ ((bits & kSign) ? kMagnitude : U(0)));
    else if constexpr (std::is_unsigned_v<T>) return static_cast<S>(bits ^ kSign);
    else return static_cast<S>(bits);
  }

  // The bits whose key is `key_value` (every transform is an involution).
  static constexpr U bits(S key_value) noexcept { return static_cast<U>(key(static_cast<U>(key_value))); }
};

// The running min/max keys and NaN count of a scan; what every level's loop
// folds its lanes and its tail into.
template <typename T>
struct KeyRange {
  using Order = OrderKey<T>;
  using U = typename Order::U;
  using S = typename Order::S;

  S min = std::numeric_limits<S>::max();
  S max = std::numeric_limits<S>::min();
  uint64_t nans = 0;

  void add_key(S k) noexcept {
    if (k < min) min = k;
    if (k > max) max = k;
  }

  void add(const unsigned char* value) noexcept {
    U bits;
    std::memcpy(&bits, value, sizeof bits);
    if (Order::is_nan(bits)) {
      ++nans;
      return;
    }
    add_key(Order::key(bits));
  }

  // Statistics of `count` values of which `nans` were NaN: the keys seen
  // are meaningful only when some value was not NaN.
  ColumnStats stats(std::size_t count) const noexcept {
    ColumnStats result;
    result.nan_count = nans;
    result.has_min_max = count > nans;
    if (result.has_min_max) {
      result.min_bits = Order::bits(min);
      result.max_bits = Order::bits(max);
    }
    return result;
  }
};

}  // namespace simingest::kernels
