// The page index the encoder records and the writer stores: page locations
// that tile the chunk, per-page bounds with the chunk statistics' rules, the
// boundary order, no ColumnIndex where a page is all NaN, and a footer
// written from the journal (after a crash) that has no page index at all.
#include "parquet/page_index.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/column_stats_kernel.hpp"
#include "parquet/chunk_index_reader.hpp"
#include "parquet/file_writer.hpp"
#include "parquet/footer_reader.hpp"
#include "parquet/memory_source_test_support.hpp"

namespace simingest::parquet {
namespace {

using testing::MemoryFile;

constexpr std::size_t kPageBytes = 4096;  // 512 values of 8 bytes per page

EncodedColumnChunk encode(const ColumnDescriptor& column, const void* data, std::size_t rows) {
  EncoderOptions options;
  options.codec = Codec::zstd;
  options.page_bytes = kPageBytes;
  ColumnChunkEncoder encoder(options);
  const ValueSegment segment{data, rows, false};
  EncodedColumnChunk chunk;
  encoder.encode(column, &segment, 1, compute_column_stats(column.dtype, data, rows), chunk);
  return chunk;
}

template <class T>
T bound(const std::string& bytes) {
  T value;
  EXPECT_EQ(bytes.size(), sizeof value);
  std::memcpy(&value, bytes.data(), sizeof value);
  return value;
}

TEST(PageIndex, pages_tile_the_chunk_with_their_first_rows_and_bounds) {
  std::vector<int64_t> values(2000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int64_t>(i) * 3 - 1000;
  const EncodedColumnChunk chunk = encode({"v", Dtype::int64}, values.data(), values.size());
  ASSERT_EQ(chunk.pages.size(), 4u);
  int64_t offset = 0;
  for (std::size_t p = 0; p < chunk.pages.size(); ++p) {
    EXPECT_EQ(chunk.pages[p].offset, offset);
    EXPECT_EQ(chunk.pages[p].first_row, static_cast<int64_t>(512 * p));
    offset += chunk.pages[p].size;
  }
  EXPECT_EQ(offset, chunk.total_compressed_size());

  const auto index = column_index_of(Dtype::int64, chunk);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->boundary_order, format::BoundaryOrder::ascending);
  EXPECT_EQ(index->null_pages, std::vector<bool>(4, false));
  EXPECT_EQ(index->null_counts, std::vector<int64_t>(4, 0));
  EXPECT_TRUE(index->nan_counts.empty());
  for (std::size_t p = 0; p < 4; ++p) {
    const std::size_t last = std::min<std::size_t>(512 * (p + 1), values.size()) - 1;
    EXPECT_EQ(bound<int64_t>(index->min_values[p]), values[512 * p]);
    EXPECT_EQ(bound<int64_t>(index->max_values[p]), values[last]);
  }
  const format::OffsetIndex offsets = offset_index_of(chunk, 100);
  EXPECT_EQ(offsets.page_locations[2].offset, 100 + chunk.pages[2].offset);
  EXPECT_EQ(offsets.page_locations[2].first_row_index, 1024);
}

TEST(PageIndex, boundary_order_is_descending_or_unordered_as_the_pages_are) {
  std::vector<uint16_t> down(3000), mixed(3000);
  for (std::size_t i = 0; i < down.size(); ++i) {
    down[i] = static_cast<uint16_t>(60000 - i * 10);
    mixed[i] = static_cast<uint16_t>((i / 1024) % 2 == 0 ? 40000 + i : i);  // unsigned order: 40000+ above small
  }
  EXPECT_EQ(column_index_of(Dtype::uint16, encode({"d", Dtype::uint16}, down.data(), down.size()))->boundary_order,
            format::BoundaryOrder::descending);
  EXPECT_EQ(column_index_of(Dtype::uint16, encode({"m", Dtype::uint16}, mixed.data(), mixed.size()))->boundary_order,
            format::BoundaryOrder::unordered);
}

TEST(PageIndex, a_page_of_only_nan_leaves_the_chunk_without_a_column_index) {
  std::vector<double> values(1500, 1.0);
  for (std::size_t i = 512; i < 1024; ++i) values[i] = std::nan("");
  const EncodedColumnChunk chunk = encode({"x", Dtype::float64}, values.data(), values.size());
  ASSERT_EQ(chunk.pages.size(), 3u);
  EXPECT_FALSE(column_index_of(Dtype::float64, chunk));
  EXPECT_EQ(offset_index_of(chunk, 0).page_locations.size(), 3u);  // the offset index stays
}

TEST(PageIndex, float_pages_count_nan_and_write_zero_bounds_signed) {
  std::vector<float> values(2048, 0.0f);  // two pages of 1024 floats
  values[3] = std::nanf("");
  values[1500] = -0.0f;  // page 2 holds both zeros
  values[1700] = 2.5f;
  const EncodedColumnChunk chunk = encode({"f", Dtype::float32}, values.data(), values.size());
  ASSERT_EQ(chunk.pages.size(), 2u);
  const auto index = column_index_of(Dtype::float32, chunk);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->nan_counts, (std::vector<int64_t>{1, 0}));
  for (std::size_t p = 0; p < 2; ++p) EXPECT_TRUE(std::signbit(bound<float>(index->min_values[p])));  // -0.0
  EXPECT_FALSE(std::signbit(bound<float>(index->max_values[0])));                                   // +0.0
  EXPECT_EQ(bound<float>(index->max_values[1]), 2.5f);
}

TEST(PageIndex, dictionary_chunks_of_steps_are_ascending) {
  std::vector<int64_t> steps(10);
  std::vector<ValueSegment> segments;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    steps[s] = static_cast<int64_t>(s) + 40;
    segments.push_back({&steps[s], 300, true});
  }
  EncoderOptions options;
  options.page_bytes = kPageBytes;
  ColumnChunkEncoder encoder(options);
  EncodedColumnChunk chunk;
  ColumnStats stats;
  for (const auto& seg : segments) stats.merge(scalar_column_stats(Dtype::int64, seg.data, seg.count), Dtype::int64);
  encoder.encode_dictionary({"step", Dtype::int64}, segments.data(), segments.size(), stats, chunk);
  ASSERT_EQ(chunk.pages.size(), 6u);  // 3000 rows of 512
  EXPECT_GT(chunk.pages[0].offset, 0);  // after the dictionary page
  const auto index = column_index_of(Dtype::int64, chunk);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->boundary_order, format::BoundaryOrder::ascending);
  EXPECT_EQ(bound<int64_t>(index->min_values[1]), 40 + 512 / 300);
  EXPECT_EQ(bound<int64_t>(index->max_values[1]), 40 + 1023 / 300);
}

TEST(PageIndex, the_file_holds_it_and_a_footer_from_the_journal_does_not) {
  std::vector<int64_t> ids(1200);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int64_t>(i * i);
  ColumnDescriptor column("id", Dtype::int64);
  column.bloom_filter.enabled = true;
  FileSchema schema;
  schema.columns = {column};
  MemoryFile file, salvaged;
  FileWriter writer(file, schema, {});
  const EncodedColumnChunk chunk = encode(column, ids.data(), ids.size());
  writer.append_row_group(static_cast<int64_t>(ids.size()), &chunk, 1);
  const std::vector<uint8_t> journaled = writer.last_row_group_metadata();
  const uint64_t data_end = writer.bytes_written();
  writer.finish();

  const format::FileMetaData meta = read_footer(file);
  const format::ColumnChunk& cc = meta.row_groups[0].columns[0];
  ASSERT_TRUE(cc.column_index_offset && cc.offset_index_offset);
  EXPECT_EQ(static_cast<uint64_t>(*cc.column_index_offset), data_end);  // after the row groups
  EXPECT_EQ(*cc.offset_index_offset, *cc.column_index_offset + *cc.column_index_length);
  const int64_t start = cc.meta_data.data_page_offset;
  const auto pages = read_page_entries(file, cc, Dtype::int64, start, cc.meta_data.total_compressed_size);
  ASSERT_EQ(pages.size(), chunk.pages.size());
  for (std::size_t p = 0; p < pages.size(); ++p) {
    EXPECT_EQ(pages[p].offset, chunk.pages[p].offset);
    EXPECT_EQ(pages[p].first_row, chunk.pages[p].first_row);
    EXPECT_EQ(pages[p].stats.min_bits, chunk.pages[p].stats.min_bits);
    EXPECT_EQ(pages[p].stats.max_bits, chunk.pages[p].stats.max_bits);
  }
  // The bloom filter sits right after the row group's chunks, before the journal record.
  ASSERT_TRUE(cc.meta_data.bloom_filter_offset);
  EXPECT_EQ(*cc.meta_data.bloom_filter_offset, start + cc.meta_data.total_compressed_size);
  EXPECT_EQ(read_bloom_filter(file, cc.meta_data), chunk.bloom_filter);

  // Recovery: the row groups' bytes, then the footer from the journal.
  salvaged.bytes.assign(file.bytes.begin(), file.bytes.begin() + static_cast<std::ptrdiff_t>(data_end));
  FileWriter::write_footer(salvaged, schema, {}, {&journaled}, static_cast<int64_t>(ids.size()));
  const format::FileMetaData recovered_footer = read_footer(salvaged);
  const format::ColumnChunk& recovered = recovered_footer.row_groups[0].columns[0];
  EXPECT_FALSE(recovered.column_index_offset);
  EXPECT_FALSE(recovered.offset_index_offset);
  EXPECT_EQ(recovered.meta_data.bloom_filter_offset, cc.meta_data.bloom_filter_offset);
}

}  // namespace
}  // namespace simingest::parquet
