// Expected bytes are derived by hand from the Thrift compact protocol spec
// (thrift/doc/specs/thrift-compact-protocol.md):
//   field header, short form: one byte, high nibble = id delta (1..15) from the
//     previous field of the same struct, low nibble = type id;
//   long form: the type id byte, then the field id as zigzag varint;
//   type ids: TRUE 1, FALSE 2, I8 3, I16 4, I32 5, I64 6, DOUBLE 7, BINARY 8,
//     LIST 9, STRUCT 12; stop field = 0x00;
//   i16/i32/i64 = zigzag then ULEB128 varint; double = 8 bytes little endian;
//   binary = varint length then the bytes;
//   list header: size < 15: (size << 4) | elem type, else 0xF0 | type, varint size;
//   bool fields carry their value in the type nibble, no value byte.
#include "parquet/thrift_compact.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "core/status.hpp"

namespace simingest::parquet::thrift {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(ParquetThriftCompact, varint_uses_seven_bits_per_byte_low_group_first) {
  Bytes out;
  append_varint(out, 0);
  append_varint(out, 127);
  append_varint(out, 128);    // 0b1_0000000 -> 0x80 0x01
  append_varint(out, 300);    // 300 = 0b10_0101100 -> 0xAC 0x02
  append_varint(out, ~0ull);  // 64 ones: nine bytes 0xFF then 0x01
  Bytes expected = {0x00, 0x7F, 0x80, 0x01, 0xAC, 0x02};
  for (int i = 0; i < 9; ++i) expected.push_back(0xFF);
  expected.push_back(0x01);
  EXPECT_EQ(out, expected);
}

TEST(ParquetThriftCompact, zigzag_interleaves_negative_and_positive) {
  EXPECT_EQ(zigzag32(0), 0u);
  EXPECT_EQ(zigzag32(-1), 1u);
  EXPECT_EQ(zigzag32(1), 2u);
  EXPECT_EQ(zigzag32(-2), 3u);
  EXPECT_EQ(zigzag32(std::numeric_limits<int32_t>::max()), 0xFFFFFFFEu);
  EXPECT_EQ(zigzag32(std::numeric_limits<int32_t>::min()), 0xFFFFFFFFu);
  EXPECT_EQ(zigzag64(std::numeric_limits<int64_t>::min()), ~0ull);
  EXPECT_EQ(zigzag64(std::numeric_limits<int64_t>::max()), ~0ull - 1);
}

TEST(ParquetThriftCompact, fields_use_delta_headers_and_zigzag_values) {
  Bytes out;
  CompactWriter w(out);
  w.begin_struct();
  w.field_i32(1, 1);    // delta 1, I32 -> 0x15; zigzag(1)=2 -> 0x02
  w.field_i64(3, -2);   // delta 2, I64 -> 0x26; zigzag(-2)=3 -> 0x03
  w.field_i8(4, -1);    // delta 1, I8 -> 0x13; raw byte 0xFF
  w.field_i16(5, 300);  // delta 1, I16 -> 0x14; zigzag(300)=600=0x258 -> 0xD8 0x04
  w.end_struct();       // 0x00
  EXPECT_EQ(out, (Bytes{0x15, 0x02, 0x26, 0x03, 0x13, 0xFF, 0x14, 0xD8, 0x04, 0x00}));
  EXPECT_EQ(w.depth(), 0u);
}

TEST(ParquetThriftCompact, large_or_backward_id_jumps_use_the_long_form) {
  Bytes out;
  CompactWriter w(out);
  w.begin_struct();
  w.field_i32(16, 0);  // delta 16 > 15: 0x05, zigzag(16)=32 -> 0x20, value 0x00
  w.field_i32(2, 0);   // delta negative: 0x05, zigzag(2)=4 -> 0x04, value 0x00
  w.field_i32(3, 0);   // back to short form: delta 1 -> 0x15, 0x00
  w.end_struct();
  EXPECT_EQ(out, (Bytes{0x05, 0x20, 0x00, 0x05, 0x04, 0x00, 0x15, 0x00, 0x00}));
}

TEST(ParquetThriftCompact, bool_fields_carry_the_value_in_the_type_nibble) {
  Bytes out;
  CompactWriter w(out);
  w.begin_struct();
  w.field_bool(1, true);   // 0x11
  w.field_bool(2, false);  // 0x12
  w.end_struct();
  EXPECT_EQ(out, (Bytes{0x11, 0x12, 0x00}));
}

TEST(ParquetThriftCompact, double_is_eight_bytes_little_endian) {
  Bytes out;
  CompactWriter w(out);
  w.begin_struct();
  w.field_double(1, 1.0);  // 0x17, then 0x3FF0000000000000 LE
  w.end_struct();
  EXPECT_EQ(out, (Bytes{0x17, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x00}));
}

TEST(ParquetThriftCompact, binary_is_length_prefixed) {
  Bytes out;
  CompactWriter w(out);
  w.begin_struct();
  w.field_string(4, "ab");  // delta 4, BINARY -> 0x48; length 2; 'a' 'b'
  w.end_struct();
  EXPECT_EQ(out, (Bytes{0x48, 0x02, 'a', 'b', 0x00}));
}

TEST(ParquetThriftCompact, nested_structs_restart_field_ids_and_restore_the_outer_ones) {
  Bytes out;
  CompactWriter w(out);
  w.begin_struct();
  w.field_i32(2, 0);          // 0x25 0x00
  w.field_struct_begin(5);    // delta 3, STRUCT -> 0x3C
  w.field_i32(1, 0);          // inner delta from 0: 0x15 0x00
  w.end_struct();             // 0x00
  w.field_i32(6, 0);          // outer delta from 5: 0x15 0x00
  w.field_struct_begin(7);    // 0x1C
  w.end_struct();             // empty struct: just 0x00
  w.end_struct();             // 0x00
  EXPECT_EQ(out, (Bytes{0x25, 0x00, 0x3C, 0x15, 0x00, 0x00, 0x15, 0x00, 0x1C, 0x00, 0x00}));
}

TEST(ParquetThriftCompact, short_and_long_list_headers) {
  Bytes out;
  CompactWriter w(out);
  w.begin_struct();
  w.field_list_begin(1, CompactType::i32, 2);  // 0x19; (2<<4)|5 = 0x25
  w.write_i32(-1);                              // 0x01
  w.write_i32(64);                              // zigzag 128 -> 0x80 0x01
  w.field_list_begin(2, CompactType::binary, 15);  // 0x19; 0xF8, varint 15 = 0x0F
  for (int i = 0; i < 15; ++i) w.write_string("");  // fifteen 0x00 lengths
  w.end_struct();
  Bytes expected = {0x19, 0x25, 0x01, 0x80, 0x01, 0x19, 0xF8, 0x0F};
  for (int i = 0; i < 15; ++i) expected.push_back(0x00);
  expected.push_back(0x00);
  EXPECT_EQ(out, expected);
}

TEST(ParquetThriftCompact, list_of_structs_elements_start_their_own_field_ids) {
  Bytes out;
  CompactWriter w(out);
  w.begin_struct();
  w.field_i32(3, 0);                             // 0x35 0x00
  w.field_list_begin(4, CompactType::struct_, 2);  // 0x19, 0x2C
  for (int i = 0; i < 2; ++i) {
    w.begin_struct();
    w.field_i32(1, 1);  // 0x15 0x02 (delta from 0, not from 3)
    w.end_struct();     // 0x00
  }
  w.end_struct();
  EXPECT_EQ(out, (Bytes{0x35, 0x00, 0x19, 0x2C, 0x15, 0x02, 0x00, 0x15, 0x02, 0x00, 0x00}));
}

TEST(ParquetThriftCompact, rejects_unbalanced_struct_end) {
  Bytes out;
  CompactWriter w(out);
  EXPECT_THROW(w.end_struct(), Error);
  EXPECT_THROW(w.field_i32(1, 0), Error);
}

}  // namespace
}  // namespace simingest::parquet::thrift
