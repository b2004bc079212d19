// The column-statistics loop over any lane type (SseLanes, Avx2Lanes).
// Include only after the lane type's header, in a file compiled for its
// target: the loop has internal linkage for the same reason as the lanes.
//
// Every value becomes its order key (kernels/order_key.hpp), NaN lanes are
// replaced by the neutral key of each reduction, and signed min/max run on
// the keys, so the result equals the scalar twin bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/column_stats.hpp"
#include "core/dtype.hpp"
#include "kernels/order_key.hpp"

namespace simingest::kernels {
namespace {

template <typename Lanes, typename T>
ColumnStats simd_column_stats(const unsigned char* p, std::size_t count) {
  using Order = OrderKey<T>;
  using S = typename Order::S;
  using Reg = typename Lanes::Reg;
  constexpr std::size_t kLanes = Lanes::kBytes / sizeof(T);
  // Per-lane NaN counts live in lanes as wide as the values: fold them into
  // 64 bits often enough that a 32-bit lane cannot overflow.
  constexpr std::size_t kBlock = kLanes * (std::size_t{1} << 20);

  const Reg highest = Lanes::template splat<S>(std::numeric_limits<S>::max());
  const Reg lowest = Lanes::template splat<S>(std::numeric_limits<S>::min());
  KeyRange<T> range;
  std::size_t i = 0;
  while (count - i >= kLanes) {
    const std::size_t whole = (count - i) / kLanes * kLanes;
    const std::size_t end = i + (whole < kBlock ? whole : kBlock);
    Reg min = highest, max = lowest, nans = Lanes::zero();
    for (; i < end; i += kLanes) {
      const Reg v = Lanes::load(p + i * sizeof(T));
      if constexpr (Order::is_float) {
        const Reg is_nan = Lanes::template greater<S>(
            Lanes::bit_and(v, Lanes::template splat<S>(static_cast<S>(Order::kMagnitude))),
            Lanes::template splat<S>(static_cast<S>(Order::kExponent)));
        const Reg negative = Lanes::template greater<S>(Lanes::zero(), v);
        const Reg key = Lanes::bit_xor(v, Lanes::template shift_right_1<S>(negative));
        min = Lanes::template min<S>(min, Lanes::select(key, highest, is_nan));
        max = Lanes::template max<S>(max, Lanes::select(key, lowest, is_nan));
        nans = Lanes::template sub<S>(nans, is_nan);  // a mask lane is -1
      } else if constexpr (std::is_unsigned_v<T>) {
        const Reg key = Lanes::bit_xor(v, lowest);  // flips the sign bit
        min = Lanes::template min<S>(min, key);
        max = Lanes::template max<S>(max, key);
      } else {
        min = Lanes::template min<S>(min, v);
        max = Lanes::template max<S>(max, v);
      }
    }
    S mins[kLanes], maxs[kLanes], counts[kLanes];
    Lanes::store(reinterpret_cast<unsigned char*>(mins), min);
    Lanes::store(reinterpret_cast<unsigned char*>(maxs), max);
    Lanes::store(reinterpret_cast<unsigned char*>(counts), nans);
    for (std::size_t l = 0; l < kLanes; ++l) {
      // A lane that saw only NaNs still holds the neutral keys, which lose
      // both reductions.
      if (mins[l] < range.min) range.min = mins[l];
      if (maxs[l] > range.max) range.max = maxs[l];
      if constexpr (Order::is_float) range.nans += static_cast<uint64_t>(counts[l]);
    }
  }
  for (; i < count; ++i) range.add(p + i * sizeof(T));
  return range.stats(count);
}

// The loop above for `dtype`; an out-of-range dtype gives empty statistics.
template <typename Lanes>
ColumnStats simd_column_stats(Dtype dtype, const unsigned char* p, std::size_t count) {
  switch (dtype) {
    case Dtype::float32: return simd_column_stats<Lanes, float>(p, count);
    case Dtype::float64: return simd_column_stats<Lanes, double>(p, count);
    case Dtype::int8: return simd_column_stats<Lanes, int8_t>(p, count);
    case Dtype::int16: return simd_column_stats<Lanes, int16_t>(p, count);
    case Dtype::int32: return simd_column_stats<Lanes, int32_t>(p, count);
    case Dtype::int64: return simd_column_stats<Lanes, int64_t>(p, count);
    case Dtype::uint8: return simd_column_stats<Lanes, uint8_t>(p, count);
    case Dtype::uint16: return simd_column_stats<Lanes, uint16_t>(p, count);
    case Dtype::uint32: return simd_column_stats<Lanes, uint32_t>(p, count);
    case Dtype::uint64: return simd_column_stats<Lanes, uint64_t>(p, count);
  }
  return ColumnStats{};
}

}  // namespace
}  // namespace simingest::kernels
