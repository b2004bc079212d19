// How a simingest dtype is stored in Parquet: physical type, annotations, and
// the widening of small integers to the INT32 physical type.
//
// Invariant: every encoder and the statistics see values in their *physical*
// form (int8/16 sign-extended, uint8/16 zero-extended to 32 bits; everything
// else bit-identical), so readers restore the original value by narrowing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dtype.hpp"
#include "parquet/parquet_metadata.hpp"

namespace simingest::parquet {

struct ColumnType {
  format::Type physical = format::Type::double_;
  std::size_t physical_size = 8;  // bytes of one PLAIN value
  bool has_int_annotation = false;  // then converted_type and logical INTEGER are set
  format::ConvertedType converted_type = format::ConvertedType::int_32;
  format::IntType int_type;
};

ColumnType column_type_of(Dtype dtype) noexcept;

// The leaf SchemaElement of a REQUIRED column `name` of `dtype`.
format::SchemaElement schema_element_of(Dtype dtype, const char* name);

// The physical value (zero-extended into 64 bits) of a value of `dtype` given
// as its bits zero-extended into 64 bits, e.g. int8 0xFF -> 0xFFFFFFFF.
uint64_t physical_bits(Dtype dtype, uint64_t value_bits) noexcept;

// Writes `count` values of `dtype` at `src` (any alignment) as physical
// values to `dst` (count * physical_size bytes, little endian).
void widen_to_physical(Dtype dtype, const void* src, std::size_t count, uint8_t* dst) noexcept;

// Writes `count` copies of the physical form of one value of `dtype` at `value`.
void fill_physical(Dtype dtype, const void* value, std::size_t count, uint8_t* dst) noexcept;

}  // namespace simingest::parquet
