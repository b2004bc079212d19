#include "parquet/file_writer.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "core/status.hpp"
#include "parquet/test_compact_reader.hpp"

namespace simingest::parquet {
namespace {

using testing::CompactReader;
using testing::TValue;
using Bytes = std::vector<uint8_t>;

class MemorySink final : public ByteSink {
 public:
  void write(const void* data, std::size_t size) override {
    const auto* p = static_cast<const uint8_t*>(data);
    bytes.insert(bytes.end(), p, p + size);
  }
  Bytes bytes;
};

TValue footer_of(const Bytes& file) {
  EXPECT_GE(file.size(), 12u);
  EXPECT_EQ(std::memcmp(file.data(), "PAR1", 4), 0);
  EXPECT_EQ(std::memcmp(file.data() + file.size() - 4, "PAR1", 4), 0);
  uint32_t length = 0;
  for (int i = 0; i < 4; ++i) length |= static_cast<uint32_t>(file[file.size() - 8 + i]) << (8 * i);
  const uint8_t* start = file.data() + file.size() - 8 - length;
  CompactReader r(start, length);
  TValue meta = r.read_struct();
  EXPECT_EQ(r.consumed(start), length);
  return meta;
}

// Chunks made by hand: the writer must place them verbatim and translate
// their relative offsets.
EncodedColumnChunk fake_chunk(std::size_t size, int64_t rows, bool dictionary, uint8_t fill) {
  EncodedColumnChunk c;
  c.bytes.assign(size, fill);
  c.num_values = rows;
  c.total_uncompressed_size = static_cast<int64_t>(size) + 10;
  c.codec = Codec::zstd;
  if (dictionary) {
    c.dictionary_page_offset = 0;
    c.data_page_offset = 3;
    c.encodings = {Encoding::plain, Encoding::rle_dictionary};
  } else {
    c.data_page_offset = 0;
    c.encodings = {Encoding::byte_stream_split};
  }
  c.stats.has_min_max = true;
  c.stats.min_bits = 1;
  c.stats.max_bits = 2;
  return c;
}

TEST(ParquetFileWriter, places_chunks_contiguously_with_absolute_offsets_in_the_footer) {
  MemorySink sink;
  FileSchema schema;
  schema.columns = {{"step", Dtype::int64, ColumnEncoding::automatic},
                    {"u", Dtype::uint32, ColumnEncoding::automatic}};
  FileWriter writer(sink, schema, {{"simingest.stream", "fields"}});
  EXPECT_EQ(writer.bytes_written(), 4u);
  const EncodedColumnChunk g0[] = {fake_chunk(10, 7, true, 0xA1), fake_chunk(20, 7, false, 0xA2)};
  writer.append_row_group(7, g0, 2);
  const EncodedColumnChunk g1[] = {fake_chunk(5, 3, true, 0xB1), fake_chunk(6, 3, false, 0xB2)};
  writer.append_row_group(3, g1, 2);
  EXPECT_EQ(writer.bytes_written(), 4u + 30 + 11);
  EXPECT_EQ(writer.rows_written(), 10);
  EXPECT_EQ(writer.row_groups_written(), 2u);
  writer.finish();
  EXPECT_EQ(writer.bytes_written(), sink.bytes.size());

  const Bytes& file = sink.bytes;
  EXPECT_EQ(file[4], 0xA1);
  EXPECT_EQ(file[14], 0xA2);
  EXPECT_EQ(file[34], 0xB1);
  EXPECT_EQ(file[39], 0xB2);

  const TValue meta = footer_of(file);
  EXPECT_EQ(meta[1].i, 1);   // version
  EXPECT_EQ(meta[3].i, 10);  // num_rows
  EXPECT_EQ(meta[6].bin, "simingest version " SIMINGEST_VERSION_STRING);
  EXPECT_EQ(meta[6].bin, created_by());
  // Schema: root group then REQUIRED leaves.
  const auto& schema_list = meta[2].list;
  ASSERT_EQ(schema_list.size(), 3u);
  EXPECT_EQ(schema_list[0][4].bin, "schema");
  EXPECT_EQ(schema_list[0][5].i, 2);
  EXPECT_FALSE(schema_list[0].has(1));
  EXPECT_EQ(schema_list[2][4].bin, "u");
  EXPECT_EQ(schema_list[2][1].i, 1);  // INT32
  EXPECT_EQ(schema_list[2][3].i, 0);  // REQUIRED
  EXPECT_EQ(schema_list[2][6].i, 13);  // UINT_32
  EXPECT_EQ(schema_list[2][10][10][1].i, 32);
  EXPECT_EQ(schema_list[2][10][10][2].i, 0);  // isSigned false
  // Row groups.
  const auto& groups = meta[4].list;
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0][3].i, 7);
  EXPECT_EQ(groups[0][5].i, 4);    // file_offset
  EXPECT_EQ(groups[1][5].i, 34);
  EXPECT_EQ(groups[0][2].i, 50);   // total_byte_size: uncompressed (10+10 + 20+10)
  EXPECT_EQ(groups[0][6].i, 30);   // total_compressed_size
  EXPECT_EQ(groups[1][7].i, 1);    // ordinal
  const TValue& step1 = groups[1][1].list[0][3];
  EXPECT_EQ(step1[1].i, 2);        // INT64
  EXPECT_EQ(step1[3].list[0].bin, "step");
  EXPECT_EQ(step1[4].i, 6);        // ZSTD
  EXPECT_EQ(step1[5].i, 3);
  EXPECT_EQ(step1[9].i, 34 + 3);   // data_page_offset, absolute
  EXPECT_EQ(step1[11].i, 34);      // dictionary_page_offset, absolute
  ASSERT_EQ(step1[2].list.size(), 2u);
  EXPECT_EQ(step1[2].list[1].i, 8);
  const TValue& u1 = groups[1][1].list[1][3];
  EXPECT_EQ(u1[9].i, 39);
  EXPECT_FALSE(u1.has(11));
  EXPECT_FALSE(u1[12].has(1));  // unsigned: no legacy max
  EXPECT_EQ(u1[12][6].bin, std::string("\x01\0\0\0", 4));
  // Key-value metadata and one TypeDefinedOrder per leaf.
  ASSERT_EQ(meta[5].list.size(), 1u);
  EXPECT_EQ(meta[5].list[0][1].bin, "simingest.stream");
  EXPECT_EQ(meta[5].list[0][2].bin, "fields");
  ASSERT_EQ(meta[7].list.size(), 2u);
  EXPECT_TRUE(meta[7].list[1].has(1));
}

TEST(ParquetFileWriter, rejects_row_groups_that_do_not_match_the_schema) {
  MemorySink sink;
  FileSchema schema;
  schema.columns = {{"a", Dtype::float32, ColumnEncoding::automatic}};
  FileWriter writer(sink, schema, {});
  const EncodedColumnChunk chunk = fake_chunk(4, 5, false, 0);
  EXPECT_THROW(writer.append_row_group(6, &chunk, 1), Error);  // value count != rows
  const EncodedColumnChunk two[] = {chunk, chunk};
  EXPECT_THROW(writer.append_row_group(5, two, 2), Error);
  writer.append_row_group(5, &chunk, 1);
  writer.finish();
  EXPECT_THROW(writer.append_row_group(5, &chunk, 1), Error);
  EXPECT_THROW(writer.finish(), Error);
}

TEST(ParquetFileWriter, file_without_row_groups_is_valid) {
  MemorySink sink;
  FileWriter writer(sink, FileSchema{}, {});
  writer.finish();
  const TValue meta = footer_of(sink.bytes);
  EXPECT_EQ(meta[3].i, 0);
  EXPECT_TRUE(meta[4].list.empty());
}

// After a crash, recovery writes the footer from the row groups' metadata
// the journal kept: the file must come out exactly as finish() writes it.
TEST(ParquetFileWriter, footer_from_saved_row_group_metadata_equals_the_finished_footer) {
  FileSchema schema;
  schema.columns = {{"step", Dtype::int64, ColumnEncoding::automatic},
                    {"u", Dtype::float32, ColumnEncoding::automatic}};
  const std::vector<KeyValue> kv = {{"simingest.stream", "fields"}, {"simingest.grid", "[4]"}};
  MemorySink finished, salvaged;
  FileWriter writer(finished, schema, kv);
  std::vector<std::vector<uint8_t>> saved;
  int64_t rows = 0;
  for (int g = 0; g < 3; ++g) {
    const int64_t n = 4 + g;
    const EncodedColumnChunk chunks[] = {fake_chunk(20 + g, n, true, static_cast<uint8_t>(g)),
                                         fake_chunk(33, n, false, static_cast<uint8_t>(0x40 + g))};
    writer.append_row_group(n, chunks, 2);
    saved.push_back(writer.last_row_group_metadata());
    rows += n;
  }
  salvaged.bytes = finished.bytes;  // the row groups as a crash left them
  writer.finish();
  std::vector<const std::vector<uint8_t>*> parts;
  for (const auto& part : saved) parts.push_back(&part);
  FileWriter::write_footer(salvaged, schema, kv, parts, rows);
  EXPECT_EQ(salvaged.bytes, finished.bytes);
  EXPECT_EQ(footer_of(salvaged.bytes)[4].list.size(), 3u);
}

TEST(ParquetFileWriter, last_row_group_metadata_is_that_row_group_footer_entry) {
  MemorySink sink;
  FileSchema schema;
  schema.columns = {{"a", Dtype::float32, ColumnEncoding::automatic}};
  FileWriter writer(sink, schema, {});
  EXPECT_THROW(writer.last_row_group_metadata(), Error);
  const EncodedColumnChunk chunk = fake_chunk(16, 3, false, 7);
  writer.append_row_group(3, &chunk, 1);
  writer.append_row_group(3, &chunk, 1);
  const std::vector<uint8_t> second = writer.last_row_group_metadata();
  CompactReader r(second.data(), second.size());
  const TValue group = r.read_struct();
  EXPECT_EQ(r.consumed(second.data()), second.size());
  EXPECT_EQ(group[3].i, 3);       // num_rows
  EXPECT_EQ(group[5].i, 4 + 16);  // file_offset: after the magic and the first row group
  EXPECT_EQ(group[7].i, 1);       // ordinal
}

}  // namespace
}  // namespace simingest::parquet
