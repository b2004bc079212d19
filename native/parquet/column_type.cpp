#include "parquet/column_type.hpp"

#include <cstring>


// Parquet is little endian and so are the buffers simingest writes without
// byte swapping.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "simingest assumes a little-endian host");

namespace simingest::parquet {

using format::ConvertedType;
using format::Type;

namespace {

ColumnType integer(Type physical, int8_t bits, bool is_signed, ConvertedType converted) {
  ColumnType t;
  t.physical = physical;
  t.physical_size = physical == Type::int64 ? 8 : 4;
  t.has_int_annotation = true;
  t.converted_type = converted;
  t.int_type.bit_width = bits;
  t.int_type.is_signed = is_signed;
  return t;
}

template <class Narrow, class Wide>
void widen(const void* src, std::size_t count, uint8_t* dst) noexcept {
  const auto* in = static_cast<const uint8_t*>(src);
  for (std::size_t i = 0; i < count; ++i) {
    Narrow v;
    std::memcpy(&v, in + i * sizeof(Narrow), sizeof v);
    const Wide w = static_cast<Wide>(v);  // sign- or zero-extends as Narrow's signedness says
    std::memcpy(dst + i * sizeof(Wide), &w, sizeof w);
  }
}

}  // namespace

ColumnType column_type_of(Dtype dtype) noexcept {
  switch (dtype) {
    case Dtype::float32: {
      ColumnType t;
      t.physical = Type::float_;
      t.physical_size = 4;
      return t;
    }
    case Dtype::float64: return ColumnType{};
    case Dtype::int8: return integer(Type::int32, 8, true, ConvertedType::int_8);
    case Dtype::int16: return integer(Type::int32, 16, true, ConvertedType::int_16);
    case Dtype::int32: return integer(Type::int32, 32, true, ConvertedType::int_32);
    case Dtype::int64: return integer(Type::int64, 64, true, ConvertedType::int_64);
    case Dtype::uint8: return integer(Type::int32, 8, false, ConvertedType::uint_8);
    case Dtype::uint16: return integer(Type::int32, 16, false, ConvertedType::uint_16);
    case Dtype::uint32: return integer(Type::int32, 32, false, ConvertedType::uint_32);
    case Dtype::uint64: return integer(Type::int64, 64, false, ConvertedType::uint_64);
  }
  return ColumnType{};
}

format::SchemaElement schema_element_of(Dtype dtype, const char* name) {
  const ColumnType t = column_type_of(dtype);
  format::SchemaElement e;
  e.type = t.physical;
  e.repetition_type = format::FieldRepetitionType::required;
  e.name = name;
  if (t.has_int_annotation) {
    e.converted_type = t.converted_type;
    e.logical_type = format::LogicalType{t.int_type};
  }
  return e;
}

uint64_t physical_bits(Dtype dtype, uint64_t value_bits) noexcept {
  switch (dtype) {
    case Dtype::int8:
      return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(value_bits)));
    case Dtype::int16:
      return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(value_bits)));
    case Dtype::uint8: return value_bits & 0xFF;
    case Dtype::uint16: return value_bits & 0xFFFF;
    case Dtype::float32: case Dtype::int32: case Dtype::uint32: return value_bits & 0xFFFFFFFFu;
    case Dtype::float64: case Dtype::int64: case Dtype::uint64: return value_bits;
  }
  return value_bits;
}

void widen_to_physical(Dtype dtype, const void* src, std::size_t count, uint8_t* dst) noexcept {
  switch (dtype) {
    case Dtype::int8: widen<int8_t, int32_t>(src, count, dst); return;
    case Dtype::int16: widen<int16_t, int32_t>(src, count, dst); return;
    case Dtype::uint8: widen<uint8_t, uint32_t>(src, count, dst); return;
    case Dtype::uint16: widen<uint16_t, uint32_t>(src, count, dst); return;
    default:
      if (count) std::memcpy(dst, src, count * dtype_size(dtype));
      return;
  }
}

void fill_physical(Dtype dtype, const void* value, std::size_t count, uint8_t* dst) noexcept {
  const std::size_t width = column_type_of(dtype).physical_size;
  uint64_t raw = 0;  // little-endian host: the low bytes hold the value
  std::memcpy(&raw, value, dtype_size(dtype));
  const uint64_t bits = physical_bits(dtype, raw);
  uint8_t pattern[8];
  for (std::size_t b = 0; b < width; ++b) pattern[b] = static_cast<uint8_t>(bits >> (8 * b));
  if (width == 4) {
    for (std::size_t i = 0; i < count; ++i) std::memcpy(dst + 4 * i, pattern, 4);
  } else {
    for (std::size_t i = 0; i < count; ++i) std::memcpy(dst + 8 * i, pattern, 8);
  }
}

}  // namespace simingest::parquet
