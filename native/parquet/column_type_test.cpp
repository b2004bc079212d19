#include "parquet/column_type.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace simingest::parquet {
namespace {

using format::ConvertedType;
using format::Type;

TEST(ParquetColumnType, maps_every_dtype_to_physical_type_and_annotation) {
  struct Row {
    Dtype dtype;
    Type physical;
    std::size_t size;
    bool annotated;
    ConvertedType converted;
    int bits;
    bool is_signed;
  };
  const Row rows[] = {
      {Dtype::float32, Type::float_, 4, false, ConvertedType::int_32, 0, true},
      {Dtype::float64, Type::double_, 8, false, ConvertedType::int_32, 0, true},
      {Dtype::int8, Type::int32, 4, true, ConvertedType::int_8, 8, true},
      {Dtype::int16, Type::int32, 4, true, ConvertedType::int_16, 16, true},
      {Dtype::int32, Type::int32, 4, true, ConvertedType::int_32, 32, true},
      {Dtype::int64, Type::int64, 8, true, ConvertedType::int_64, 64, true},
      {Dtype::uint8, Type::int32, 4, true, ConvertedType::uint_8, 8, false},
      {Dtype::uint16, Type::int32, 4, true, ConvertedType::uint_16, 16, false},
      {Dtype::uint32, Type::int32, 4, true, ConvertedType::uint_32, 32, false},
      {Dtype::uint64, Type::int64, 8, true, ConvertedType::uint_64, 64, false},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(std::string(dtype_name(r.dtype)));
    const ColumnType t = column_type_of(r.dtype);
    EXPECT_EQ(t.physical, r.physical);
    EXPECT_EQ(t.physical_size, r.size);
    EXPECT_EQ(t.has_int_annotation, r.annotated);
    if (!r.annotated) continue;
    EXPECT_EQ(t.converted_type, r.converted);
    EXPECT_EQ(t.int_type.bit_width, r.bits);
    EXPECT_EQ(t.int_type.is_signed, r.is_signed);
  }
}

TEST(ParquetColumnType, schema_element_is_required_and_annotated) {
  const format::SchemaElement e = schema_element_of(Dtype::uint64, "n");
  EXPECT_EQ(e.name, "n");
  EXPECT_EQ(*e.type, Type::int64);
  EXPECT_EQ(*e.repetition_type, format::FieldRepetitionType::required);
  EXPECT_EQ(*e.converted_type, ConvertedType::uint_64);
  ASSERT_TRUE(e.logical_type && e.logical_type->integer);
  EXPECT_FALSE(e.logical_type->integer->is_signed);
  EXPECT_FALSE(schema_element_of(Dtype::float32, "f").logical_type.has_value());
}

TEST(ParquetColumnType, small_integers_widen_by_their_signedness) {
  EXPECT_EQ(physical_bits(Dtype::int8, 0xFF), 0xFFFFFFFFu);      // -1
  EXPECT_EQ(physical_bits(Dtype::int16, 0x8000), 0xFFFF8000u);   // -32768
  EXPECT_EQ(physical_bits(Dtype::uint8, 0xFF), 0xFFu);           // 255
  EXPECT_EQ(physical_bits(Dtype::uint16, 0xFFFF), 0xFFFFu);
  EXPECT_EQ(physical_bits(Dtype::uint32, 0xFFFFFFFFu), 0xFFFFFFFFu);
  EXPECT_EQ(physical_bits(Dtype::uint64, ~0ull), ~0ull);
}

TEST(ParquetColumnType, widen_to_physical_writes_little_endian_int32) {
  const int8_t in8[] = {-1, 5};
  uint8_t out[8];
  widen_to_physical(Dtype::int8, in8, 2, out);
  const uint8_t expected8[] = {0xFF, 0xFF, 0xFF, 0xFF, 5, 0, 0, 0};
  EXPECT_EQ(std::memcmp(out, expected8, 8), 0);

  const uint16_t in16[] = {0xFFFF, 0x0102};
  widen_to_physical(Dtype::uint16, in16, 2, out);
  const uint8_t expected16[] = {0xFF, 0xFF, 0, 0, 0x02, 0x01, 0, 0};
  EXPECT_EQ(std::memcmp(out, expected16, 8), 0);

  const int16_t scalar = -2;
  fill_physical(Dtype::int16, &scalar, 2, out);
  const uint8_t expected_fill[] = {0xFE, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(std::memcmp(out, expected_fill, 8), 0);
}

}  // namespace
}  // namespace simingest::parquet
