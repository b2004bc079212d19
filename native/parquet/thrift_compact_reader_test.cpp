#include "parquet/thrift_compact_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/status.hpp"
#include "parquet/metadata_reader.hpp"
#include "parquet/parquet_metadata.hpp"
#include "parquet/thrift_compact.hpp"

namespace simingest::parquet::thrift {
namespace {

using Bytes = std::vector<uint8_t>;

Status status_of_reading(const Bytes& bytes) {
  try {
    CompactReader r(bytes.data(), bytes.size(), "test");
    format::FileMetaData metadata;
    format::read(r, metadata);
    return Status::ok;
  } catch (const Error& e) {
    return e.status();
  }
}

TEST(ThriftCompactReader, reads_back_every_value_kind_the_writer_writes) {
  Bytes out;
  CompactWriter w(out);
  w.begin_struct();
  w.field_bool(1, true);
  w.field_bool(2, false);
  w.field_i8(3, -7);
  w.field_i16(4, -300);
  w.field_i32(5, -2000000000);
  w.field_i64(40, -(int64_t{1} << 62));  // long-form field header (delta > 15)
  w.field_double(41, -0.25);
  w.field_string(42, "simingest");
  w.field_list_begin(43, CompactType::i32, 20);  // long-form list size
  for (int i = 0; i < 20; ++i) w.write_i32(i - 10);
  w.field_struct_begin(44);
  w.field_i32(1, 9);
  w.end_struct();
  w.end_struct();

  CompactReader r(out.data(), out.size(), "test");
  r.begin_struct();
  int16_t id;
  CompactType type;
  ASSERT_TRUE(r.next_field(id, type));
  EXPECT_EQ(id, 1);
  EXPECT_TRUE(CompactReader::field_bool(type));
  ASSERT_TRUE(r.next_field(id, type));
  EXPECT_FALSE(CompactReader::field_bool(type));
  ASSERT_TRUE(r.next_field(id, type));
  EXPECT_EQ(r.read_i8(), -7);
  ASSERT_TRUE(r.next_field(id, type));
  EXPECT_EQ(r.read_i16(), -300);
  ASSERT_TRUE(r.next_field(id, type));
  EXPECT_EQ(r.read_i32(), -2000000000);
  ASSERT_TRUE(r.next_field(id, type));
  EXPECT_EQ(id, 40);
  EXPECT_EQ(r.read_i64(), -(int64_t{1} << 62));
  ASSERT_TRUE(r.next_field(id, type));
  EXPECT_EQ(r.read_double(), -0.25);
  ASSERT_TRUE(r.next_field(id, type));
  EXPECT_EQ(r.read_binary(), "simingest");
  ASSERT_TRUE(r.next_field(id, type));
  CompactType element;
  ASSERT_EQ(r.read_list_header(element), 20u);
  EXPECT_EQ(element, CompactType::i32);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(r.read_i32(), i - 10);
  ASSERT_TRUE(r.next_field(id, type));
  EXPECT_EQ(id, 44);
  r.skip(type);  // a whole nested struct
  EXPECT_FALSE(r.next_field(id, type));
  EXPECT_EQ(r.position(), out.size());
}

TEST(ThriftCompactReader, metadata_skips_fields_it_does_not_know) {
  format::KeyValue kv{"k", "v"};
  Bytes out;
  CompactWriter w(out);
  w.begin_struct();
  w.field_string(1, "key");
  w.field_list_begin(7, CompactType::struct_, 1);  // an unknown field: a list of structs
  w.begin_struct();
  w.field_i64(1, 5);
  w.end_struct();
  w.field_string(2, "value");
  w.end_struct();
  CompactReader r(out.data(), out.size(), "test");
  format::KeyValue read;
  format::read(r, read);
  EXPECT_EQ(read.key, "key");
  EXPECT_EQ(read.value, "value");
}

TEST(ThriftCompactReader, hostile_bytes_throw_corrupt_and_never_crash) {
  // Truncations of a real footer.
  format::FileMetaData metadata;
  metadata.schema.push_back(format::SchemaElement{});
  metadata.schema[0].name = "schema";
  metadata.num_rows = 3;
  metadata.key_value_metadata.push_back({"simingest.stream", std::string("fields")});
  Bytes footer;
  format::serialize(metadata, footer);
  EXPECT_EQ(status_of_reading(footer), Status::ok);
  for (std::size_t n = 0; n < footer.size(); ++n)
    EXPECT_EQ(status_of_reading(Bytes(footer.begin(), footer.begin() + static_cast<std::ptrdiff_t>(n))),
              Status::corrupt)
        << n;
  // Nesting deeper than any footer: bounded, not a stack overflow.
  Bytes deep;
  for (int i = 0; i < 100000; ++i) deep.push_back(0xFC);  // unknown field 15 (+15 each level): a struct
  EXPECT_EQ(status_of_reading(deep), Status::corrupt);
  // A list claiming more elements than there are bytes.
  Bytes huge_list = {0x29, 0xFC, 0xFF, 0xFF, 0xFF, 0x0F};  // field 2: list<struct> of 2^32-1
  EXPECT_EQ(status_of_reading(huge_list), Status::corrupt);
  // A binary longer than the data; a varint that never ends.
  EXPECT_EQ(status_of_reading(Bytes{0x68, 0xFF, 0xFF, 0x03, 'x'}), Status::corrupt);
  EXPECT_EQ(status_of_reading(Bytes(20, 0xFF)), Status::corrupt);
  // Every single-byte corruption of the footer either decodes or is corrupt.
  for (std::size_t i = 0; i < footer.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes flipped = footer;
      flipped[i] ^= static_cast<uint8_t>(1 << bit);
      const Status s = status_of_reading(flipped);
      EXPECT_TRUE(s == Status::ok || s == Status::corrupt);
    }
  }
}

}  // namespace
}  // namespace simingest::parquet::thrift
