// The non-finite scan (and the fused copy + scan) over any lane type.
// Include only after the lane type's header, in a file compiled for its
// target; internal linkage for the same reason as the lanes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/dtype.hpp"
#include "kernels/order_key.hpp"

namespace simingest::kernels {
namespace {

// Index of the first value of `src` whose exponent bits are all ones (NaN
// or ±Inf), or `count`. With kCopy, all `count` values are also copied to
// `dst` whatever is found, in the same pass that reads them.
template <typename Lanes, typename T, bool kCopy>
std::size_t simd_scan_non_finite(unsigned char* dst, const unsigned char* src, std::size_t count) {
  using Order = OrderKey<T>;
  using U = typename Order::U;
  using S = typename Order::S;
  using Reg = typename Lanes::Reg;
  constexpr std::size_t kLanes = Lanes::kBytes / sizeof(T);
  constexpr std::size_t kStep = 4 * kLanes;  // four loads in flight per test

  const Reg exponent = Lanes::template splat<S>(static_cast<S>(Order::kExponent));
  std::size_t i = 0;
  for (; count - i >= kStep; i += kStep) {
    const unsigned char* s = src + i * sizeof(T);
    const Reg a = Lanes::load(s);
    const Reg b = Lanes::load(s + Lanes::kBytes);
    const Reg c = Lanes::load(s + 2 * Lanes::kBytes);
    const Reg d = Lanes::load(s + 3 * Lanes::kBytes);
    if constexpr (kCopy) {
      unsigned char* o = dst + i * sizeof(T);
      Lanes::store(o, a);
      Lanes::store(o + Lanes::kBytes, b);
      Lanes::store(o + 2 * Lanes::kBytes, c);
      Lanes::store(o + 3 * Lanes::kBytes, d);
    }
    const Reg hit = Lanes::bit_or(
        Lanes::bit_or(Lanes::template equal<S>(Lanes::bit_and(a, exponent), exponent),
                      Lanes::template equal<S>(Lanes::bit_and(b, exponent), exponent)),
        Lanes::bit_or(Lanes::template equal<S>(Lanes::bit_and(c, exponent), exponent),
                      Lanes::template equal<S>(Lanes::bit_and(d, exponent), exponent)));
    if (Lanes::any(hit)) break;
  }
  // The step holding the first hit (if any) and the tail, value by value.
  // With kCopy each value is read from `src` once, stored, and the stored
  // value is the one tested: `src` may change meanwhile (a SharedArrayBuffer
  // another thread writes to), and the copy must hold what the scan judged.
  std::size_t found = count;
  for (std::size_t j = i; j < count; ++j) {
    U bits;
    std::memcpy(&bits, src + j * sizeof(T), sizeof bits);
    if constexpr (kCopy) std::memcpy(dst + j * sizeof(T), &bits, sizeof bits);
    if (found == count && (bits & Order::kExponent) == Order::kExponent) {
      found = j;
      if constexpr (!kCopy) break;
    }
  }
  return found;
}

template <typename Lanes, bool kCopy>
std::size_t simd_scan_non_finite(Dtype dtype, unsigned char* dst, const unsigned char* src, std::size_t count) {
  switch (dtype) {
    case Dtype::float32: return simd_scan_non_finite<Lanes, float, kCopy>(dst, src, count);
    case Dtype::float64: return simd_scan_non_finite<Lanes, double, kCopy>(dst, src, count);
    default:
      if constexpr (kCopy) {
        if (count != 0) std::memcpy(dst, src, count * dtype_size(dtype));
      }
      return count;
  }
}

}  // namespace
}  // namespace simingest::kernels
