// The page index and bloom filter header structs: bytes derived by hand from
// parquet.thrift field ids (as parquet_metadata_test.cpp), then read back.
#include <gtest/gtest.h>

#include "core/status.hpp"
#include "parquet/metadata_reader.hpp"
#include "parquet/parquet_metadata.hpp"

namespace simingest::parquet::format {
namespace {

using Bytes = std::vector<uint8_t>;

template <class T>
T read_back(const Bytes& bytes) {
  thrift::CompactReader r(bytes.data(), bytes.size(), "test");
  T value;
  read(r, value);
  EXPECT_EQ(r.position(), bytes.size());
  return value;
}

TEST(IndexMetadata, offset_index_is_a_list_of_page_locations) {
  OffsetIndex index;
  index.page_locations = {{4, 100, 0}, {104, 90, 512}};
  Bytes out;
  serialize(index, out);
  EXPECT_EQ(out, (Bytes{0x19, 0x2C,                    // 1: list of 2 structs
                        0x16, 0x08, 0x15, 0xC8, 0x01, 0x16, 0x00, 0x00,  // {4, 100, 0}
                        0x16, 0xD0, 0x01, 0x15, 0xB4, 0x01, 0x16, 0x80, 0x08, 0x00,  // {104, 90, 512}
                        0x00}));
  const OffsetIndex back = read_back<OffsetIndex>(out);
  ASSERT_EQ(back.page_locations.size(), 2u);
  EXPECT_EQ(back.page_locations[1].offset, 104);
  EXPECT_EQ(back.page_locations[1].compressed_page_size, 90);
  EXPECT_EQ(back.page_locations[1].first_row_index, 512);
}

TEST(IndexMetadata, column_index_writes_bool_list_and_optional_counts) {
  ColumnIndex index;
  index.null_pages = {false, false};
  index.min_values = {"a", "b"};
  index.max_values = {"c", "d"};
  index.boundary_order = BoundaryOrder::ascending;
  index.null_counts = {0, 0};
  index.nan_counts = {1, 0};
  Bytes out;
  serialize(index, out);
  EXPECT_EQ(out, (Bytes{0x19, 0x21, 0x02, 0x02,          // 1: list<bool> [false, false]
                        0x19, 0x28, 0x01, 'a', 0x01, 'b',  // 2: min_values
                        0x19, 0x28, 0x01, 'c', 0x01, 'd',  // 3: max_values
                        0x15, 0x02,                        // 4: ASCENDING (1)
                        0x19, 0x26, 0x00, 0x00,            // 5: null_counts
                        0x39, 0x26, 0x02, 0x00,            // 8: nan_counts (delta 3)
                        0x00}));
  const ColumnIndex back = read_back<ColumnIndex>(out);
  EXPECT_EQ(back.null_pages, index.null_pages);
  EXPECT_EQ(back.min_values, index.min_values);
  EXPECT_EQ(back.max_values, index.max_values);
  EXPECT_EQ(back.boundary_order, BoundaryOrder::ascending);
  EXPECT_EQ(back.null_counts, index.null_counts);
  EXPECT_EQ(back.nan_counts, index.nan_counts);
}

TEST(IndexMetadata, column_index_with_lists_of_different_lengths_is_corrupt) {
  ColumnIndex index;
  index.null_pages = {false, false};
  index.min_values = {"a"};
  index.max_values = {"c", "d"};
  Bytes out;
  serialize(index, out);
  thrift::CompactReader r(out.data(), out.size(), "test");
  ColumnIndex back;
  try {
    read(r, back);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::corrupt);
    EXPECT_NE(std::string(e.what()).find("lists of different lengths"), std::string::npos) << e.what();
  }
}

TEST(IndexMetadata, bloom_filter_header_names_block_xxhash_uncompressed) {
  BloomFilterHeader header;
  header.num_bytes = 1024;
  Bytes out;
  serialize(header, out);
  EXPECT_EQ(out, (Bytes{0x15, 0x80, 0x10,        // 1: numBytes = 1024
                        0x1C, 0x1C, 0x00, 0x00,  // 2: algorithm { 1: BLOCK {} }
                        0x1C, 0x1C, 0x00, 0x00,  // 3: hash { 1: XXHASH {} }
                        0x1C, 0x1C, 0x00, 0x00,  // 4: compression { 1: UNCOMPRESSED {} }
                        0x00}));
  EXPECT_EQ(read_back<BloomFilterHeader>(out).num_bytes, 1024);
}

TEST(IndexMetadata, bloom_filter_header_with_a_size_not_a_power_of_two_is_corrupt) {
  BloomFilterHeader header;
  header.num_bytes = 1000;
  Bytes out;
  serialize(header, out);
  thrift::CompactReader r(out.data(), out.size(), "test");
  BloomFilterHeader back;
  EXPECT_THROW(read(r, back), Error);
}

TEST(IndexMetadata, column_chunk_and_metadata_carry_index_and_filter_offsets) {
  ColumnChunk chunk;
  chunk.meta_data.encodings = {Encoding::plain};
  chunk.meta_data.path_in_schema = {"x"};
  chunk.meta_data.bloom_filter_offset = 1000;
  chunk.meta_data.bloom_filter_length = 60;
  chunk.offset_index_offset = 5000;
  chunk.offset_index_length = 20;
  chunk.column_index_offset = 4000;
  chunk.column_index_length = 30;
  Bytes out;
  serialize(chunk, out);
  const ColumnChunk back = read_back<ColumnChunk>(out);
  EXPECT_EQ(back.meta_data.bloom_filter_offset, 1000);
  EXPECT_EQ(back.meta_data.bloom_filter_length, 60);
  EXPECT_EQ(back.offset_index_offset, 5000);
  EXPECT_EQ(back.offset_index_length, 20);
  EXPECT_EQ(back.column_index_offset, 4000);
  EXPECT_EQ(back.column_index_length, 30);
}

}  // namespace
}  // namespace simingest::parquet::format
