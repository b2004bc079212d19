// Expected bytes derived by hand: field ids from parquet.thrift, encoding
// rules of the compact protocol as listed in thrift_compact_test.cpp
// (short header = (id delta << 4) | type; I8 3, I32 5, I64 6, BINARY 8,
// LIST 9, STRUCT 12; bool in the type nibble, TRUE 1 / FALSE 2; stop 0x00).
#include "parquet/parquet_metadata.hpp"

#include <gtest/gtest.h>

namespace simingest::parquet::format {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(ParquetMetadata, data_page_header_uses_parquet_thrift_field_ids) {
  PageHeader h;
  h.type = PageType::data_page;
  h.uncompressed_page_size = 100;
  h.compressed_page_size = 50;
  DataPageHeader d;
  d.num_values = 10;
  d.encoding = Encoding::rle_dictionary;
  h.data_page_header = d;
  Bytes out;
  serialize(h, out);
  EXPECT_EQ(out, (Bytes{
                     0x15, 0x00,        // 1: type = DATA_PAGE (0)
                     0x15, 0xC8, 0x01,  // 2: uncompressed_page_size = 100 (zigzag 200)
                     0x15, 0x64,        // 3: compressed_page_size = 50 (zigzag 100)
                     0x2C,              // 5: data_page_header (delta 2, struct)
                     0x15, 0x14,        //   1: num_values = 10
                     0x15, 0x10,        //   2: encoding = RLE_DICTIONARY (8)
                     0x15, 0x06,        //   3: definition_level_encoding = RLE (3)
                     0x15, 0x06,        //   4: repetition_level_encoding = RLE (3)
                     0x00,              //   stop
                     0x00}));           // stop
}

TEST(ParquetMetadata, dictionary_page_header_is_field_7) {
  PageHeader h;
  h.type = PageType::dictionary_page;
  h.uncompressed_page_size = 8;
  h.compressed_page_size = 8;
  h.dictionary_page_header = DictionaryPageHeader{1, Encoding::plain, std::nullopt};
  Bytes out;
  serialize(h, out);
  EXPECT_EQ(out, (Bytes{0x15, 0x04,   // type = DICTIONARY_PAGE (2)
                        0x15, 0x10,   // 8
                        0x15, 0x10,   // 8
                        0x4C,         // 7: dictionary_page_header (delta 4)
                        0x15, 0x02,   //   num_values = 1
                        0x15, 0x00,   //   encoding = PLAIN
                        0x00, 0x00}));
}

TEST(ParquetMetadata, schema_element_with_unsigned_int_logical_type) {
  SchemaElement e;
  e.type = Type::int32;
  e.repetition_type = FieldRepetitionType::required;
  e.name = "u";
  e.converted_type = ConvertedType::uint_32;
  e.logical_type = LogicalType{IntType{32, false}};
  Bytes out;
  serialize(e, out);
  EXPECT_EQ(out, (Bytes{0x15, 0x02,        // 1: type = INT32
                        0x25, 0x00,        // 3: repetition_type = REQUIRED
                        0x18, 0x01, 'u',   // 4: name
                        0x25, 0x1A,        // 6: converted_type = UINT_32 (13)
                        0x4C,              // 10: logicalType union
                        0xAC,              //   10: INTEGER (IntType)
                        0x13, 0x20,        //     1: bitWidth i8 = 32
                        0x12,              //     2: isSigned = false
                        0x00, 0x00, 0x00}));
}

TEST(ParquetMetadata, statistics_fields_in_id_order) {
  Statistics s;
  s.max = std::string("\x05", 1);
  s.min = std::string("\x01", 1);
  s.null_count = 0;
  s.max_value = s.max;
  s.min_value = s.min;
  s.is_max_value_exact = true;
  s.is_min_value_exact = true;
  s.nan_count = 2;
  Bytes out;
  serialize(s, out);
  EXPECT_EQ(out, (Bytes{0x18, 0x01, 0x05,  // 1: max
                        0x18, 0x01, 0x01,  // 2: min
                        0x16, 0x00,        // 3: null_count i64 0
                        0x28, 0x01, 0x05,  // 5: max_value
                        0x18, 0x01, 0x01,  // 6: min_value
                        0x11,              // 7: is_max_value_exact = true
                        0x11,              // 8: is_min_value_exact = true
                        0x16, 0x04,        // 9: nan_count = 2
                        0x00}));
}

TEST(ParquetMetadata, file_metadata_with_root_created_by_and_type_defined_order) {
  FileMetaData m;
  SchemaElement root;
  root.name = "s";
  root.num_children = 0;
  m.schema.push_back(root);
  m.created_by = "x";
  m.column_orders.resize(1);
  m.key_value_metadata.push_back({"k", std::string("v")});
  Bytes out;
  serialize(m, out);
  EXPECT_EQ(out, (Bytes{0x15, 0x02,              // 1: version = 1
                        0x19, 0x1C,              // 2: schema, list of 1 struct
                        0x48, 0x01, 's',         //   4: name
                        0x15, 0x00,              //   5: num_children = 0
                        0x00,
                        0x16, 0x00,              // 3: num_rows = 0
                        0x19, 0x0C,              // 4: row_groups, empty list of structs
                        0x19, 0x1C,              // 5: key_value_metadata, 1 struct
                        0x18, 0x01, 'k',         //   1: key
                        0x18, 0x01, 'v',         //   2: value
                        0x00,
                        0x18, 0x01, 'x',         // 6: created_by
                        0x19, 0x1C,              // 7: column_orders, 1 struct
                        0x1C, 0x00,              //   1: TYPE_ORDER = TypeDefinedOrder {}
                        0x00,
                        0x00}));
}

TEST(ParquetMetadata, column_chunk_carries_offsets_and_statistics) {
  ColumnChunk c;
  ColumnMetaData& md = c.meta_data;
  md.type = Type::int64;
  md.encodings = {Encoding::plain, Encoding::rle_dictionary};
  md.path_in_schema = {"a"};
  md.codec = CompressionCodec::zstd;
  md.num_values = 1;
  md.total_uncompressed_size = 2;
  md.total_compressed_size = 3;
  md.data_page_offset = 4;
  md.dictionary_page_offset = 5;
  md.statistics = Statistics{};
  Bytes out;
  serialize(c, out);
  EXPECT_EQ(out, (Bytes{0x26, 0x00,                    // 2: file_offset = 0
                        0x1C,                          // 3: meta_data
                        0x15, 0x04,                    //   1: type = INT64 (2)
                        0x19, 0x25, 0x00, 0x10,        //   2: encodings [PLAIN, RLE_DICTIONARY]
                        0x19, 0x18, 0x01, 'a',         //   3: path_in_schema ["a"]
                        0x15, 0x0C,                    //   4: codec = ZSTD (6)
                        0x16, 0x02,                    //   5: num_values = 1
                        0x16, 0x04,                    //   6: total_uncompressed_size = 2
                        0x16, 0x06,                    //   7: total_compressed_size = 3
                        0x26, 0x08,                    //   9: data_page_offset = 4
                        0x26, 0x0A,                    //   11: dictionary_page_offset = 5
                        0x1C, 0x00,                    //   12: statistics {}
                        0x00,
                        0x00}));
}

TEST(ParquetMetadata, row_group_with_optional_fields) {
  RowGroup g;
  g.total_byte_size = 7;
  g.num_rows = 3;
  g.file_offset = 4;
  g.total_compressed_size = 6;
  g.ordinal = 1;
  Bytes out;
  serialize(g, out);
  EXPECT_EQ(out, (Bytes{0x19, 0x0C,  // 1: columns, empty
                        0x16, 0x0E,  // 2: total_byte_size = 7
                        0x16, 0x06,  // 3: num_rows = 3
                        0x26, 0x08,  // 5: file_offset = 4
                        0x16, 0x0C,  // 6: total_compressed_size = 6
                        0x14, 0x02,  // 7: ordinal i16 = 1
                        0x00}));
}

}  // namespace
}  // namespace simingest::parquet::format
