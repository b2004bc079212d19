// Element types of columns and what the engine needs to know about each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "simingest.h"

namespace simingest {

// Values equal simingest_dtype of the C ABI.
enum class Dtype : int {
  float32 = SIMINGEST_FLOAT32,
  float64 = SIMINGEST_FLOAT64,
  int8 = SIMINGEST_INT8,
  int16 = SIMINGEST_INT16,
  int32 = SIMINGEST_INT32,
  int64 = SIMINGEST_INT64,
  uint8 = SIMINGEST_UINT8,
  uint16 = SIMINGEST_UINT16,
  uint32 = SIMINGEST_UINT32,
  uint64 = SIMINGEST_UINT64,
};

constexpr std::size_t dtype_size(Dtype dtype) noexcept {
  switch (dtype) {
    case Dtype::int8: case Dtype::uint8: return 1;
    case Dtype::int16: case Dtype::uint16: return 2;
    case Dtype::float32: case Dtype::int32: case Dtype::uint32: return 4;
    case Dtype::float64: case Dtype::int64: case Dtype::uint64: return 8;
  }
  return 0;
}

constexpr bool dtype_is_float(Dtype d) noexcept { return d == Dtype::float32 || d == Dtype::float64; }
constexpr bool dtype_is_unsigned(Dtype d) noexcept {
  return d == Dtype::uint8 || d == Dtype::uint16 || d == Dtype::uint32 || d == Dtype::uint64;
}

// "float32", "uint16", … ; "invalid" for a value outside the enum.
std::string_view dtype_name(Dtype dtype) noexcept;
// The dtype named `name`, or nothing.
std::optional<Dtype> dtype_from_name(std::string_view name) noexcept;
// The dtype whose C value is `value`, or nothing (for values from foreign callers).
std::optional<Dtype> dtype_from_c(int value) noexcept;

}  // namespace simingest
