#include "storage/row_group_index.hpp"

#include <cstring>

namespace simingest::storage {

namespace {

IndexValue value_of_bits(Dtype dtype, uint64_t bits) noexcept {
  IndexValue value;
  switch (dtype) {
    case Dtype::float32: {
      float f;
      const uint32_t narrow = static_cast<uint32_t>(bits);
      std::memcpy(&f, &narrow, sizeof f);
      value.kind = IndexValue::Kind::float64;
      value.f = static_cast<double>(f);  // exact: every float is a double
      break;
    }
    case Dtype::float64:
      value.kind = IndexValue::Kind::float64;
      std::memcpy(&value.f, &bits, sizeof value.f);
      break;
    case Dtype::int8: value.i = static_cast<int8_t>(bits); break;
    case Dtype::int16: value.i = static_cast<int16_t>(bits); break;
    case Dtype::int32: value.i = static_cast<int32_t>(bits); break;
    case Dtype::int64: value.i = static_cast<int64_t>(bits); break;
    case Dtype::uint8: case Dtype::uint16: case Dtype::uint32: case Dtype::uint64:
      value.kind = IndexValue::Kind::uint64;
      value.u = bits;  // zero-extended already
      break;
  }
  return value;
}

}  // namespace

bool IndexValue::operator==(const IndexValue& o) const noexcept {
  if (kind != o.kind) return false;
  switch (kind) {
    case Kind::int64: return i == o.i;
    case Kind::uint64: return u == o.u;
    case Kind::float64: return std::memcmp(&f, &o.f, sizeof f) == 0;  // -0 differs from +0
  }
  return false;
}

ColumnIndexStats column_index_stats(Dtype dtype, const ColumnStats& stats) noexcept {
  ColumnIndexStats out;
  out.has_min_max = stats.has_min_max;
  out.nan_count = stats.nan_count;
  if (stats.has_min_max) {
    out.min = value_of_bits(dtype, stats.min_bits);
    out.max = value_of_bits(dtype, stats.max_bits);
  } else {
    out.min.kind = out.max.kind = dtype_is_float(dtype)     ? IndexValue::Kind::float64
                                  : dtype_is_unsigned(dtype) ? IndexValue::Kind::uint64
                                                             : IndexValue::Kind::int64;
  }
  return out;
}

int compare_index_values(const IndexValue& a, const IndexValue& b) noexcept {
  switch (a.kind) {
    case IndexValue::Kind::int64: return a.i < b.i ? -1 : a.i > b.i;
    case IndexValue::Kind::uint64: return a.u < b.u ? -1 : a.u > b.u;
    case IndexValue::Kind::float64: return a.f < b.f ? -1 : a.f > b.f;
  }
  return 0;
}

double index_value_as_double(const IndexValue& value) noexcept {
  switch (value.kind) {
    case IndexValue::Kind::int64: return static_cast<double>(value.i);
    case IndexValue::Kind::uint64: return static_cast<double>(value.u);
    case IndexValue::Kind::float64: return value.f;
  }
  return 0;
}

}  // namespace simingest::storage
