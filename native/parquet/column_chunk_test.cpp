#include "parquet/column_chunk.hpp"

#include <gtest/gtest.h>
#include <zstd.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "core/status.hpp"
#include "parquet/test_compact_reader.hpp"

namespace simingest::parquet {
namespace {

using testing::split_pages;
using testing::TestPage;
using Bytes = std::vector<uint8_t>;

constexpr int kDataPage = 0, kDictionaryPage = 2;

Bytes body_of(const EncodedColumnChunk& chunk, const TestPage& page) {
  const uint8_t* p = chunk.bytes.data() + page.body_offset;
  if (chunk.codec == Codec::none) return Bytes(p, p + page.body_size);
  Bytes out(static_cast<std::size_t>(page.header[2].i));
  EXPECT_EQ(ZSTD_decompress(out.data(), out.size(), p, page.body_size), out.size());
  return out;
}

EncoderOptions options(Codec codec, std::size_t page_bytes) {
  EncoderOptions o;
  o.codec = codec;
  o.page_bytes = page_bytes;
  return o;
}

template <class T>
Bytes le_bytes(const std::vector<T>& values) {
  Bytes out(values.size() * sizeof(T));
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

TEST(ParquetColumnChunk, scalar_segments_are_never_materialised) {
  // 10^8 rows of one double: the chunk stays tiny (one RLE run per page).
  const double v = 3.5;
  const ValueSegment segments[] = {{&v, 50'000'000, true}, {&v, 50'000'000, true}};
  ColumnChunkEncoder encoder(options(Codec::none, 1 << 20));
  EncodedColumnChunk chunk;
  encoder.encode({"x", Dtype::float64, ColumnEncoding::automatic}, segments, 2, ColumnStats{}, chunk);
  EXPECT_EQ(chunk.num_values, 100'000'000);
  EXPECT_LT(chunk.bytes.size(), 64u * 1024);
  EXPECT_EQ(chunk.encodings, (std::vector<Encoding>{Encoding::plain, Encoding::rle_dictionary}));
  EXPECT_EQ(chunk.dictionary_page_offset, 0);
  const auto pages = split_pages(chunk.bytes);
  ASSERT_GE(pages.size(), 2u);
  EXPECT_EQ(chunk.data_page_offset, static_cast<int64_t>(pages[0].body_offset + pages[0].body_size));
  int64_t rows = 0;
  for (std::size_t i = 1; i < pages.size(); ++i) {
    EXPECT_EQ(pages[i].header[1].i, kDataPage);
    rows += pages[i].header[5][1].i;
  }
  EXPECT_EQ(rows, 100'000'000);
}

TEST(ParquetColumnChunk, dictionary_holds_distinct_bit_patterns_in_first_appearance_order) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double values[] = {2.0, -0.0, 2.0, 0.0, nan, 2.0};
  std::vector<ValueSegment> segments;
  const std::size_t counts[] = {3, 1, 2, 1, 1, 9};
  for (int i = 0; i < 6; ++i) segments.push_back({&values[i], counts[i], true});
  ColumnChunkEncoder encoder(options(Codec::none, 1 << 20));
  EncodedColumnChunk chunk;
  encoder.encode({"x", Dtype::float64, ColumnEncoding::byte_stream_split}, segments.data(), segments.size(),
                 ColumnStats{}, chunk);
  const auto pages = split_pages(chunk.bytes);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].header[1].i, kDictionaryPage);
  EXPECT_EQ(pages[0].header[7][1].i, 4);  // num_values
  EXPECT_EQ(pages[0].header[7][2].i, 0);  // PLAIN
  EXPECT_EQ(body_of(chunk, pages[0]), le_bytes(std::vector<double>{2.0, -0.0, 0.0, nan}));
  // Indices 0 (x3), 1, 0 (x2), 2, 3, 0 (x9) with width 2: first 8 bit-packed
  // (0,0,0,1,0,0,2,3 -> 0b01000000 = 0x40, 0b11100000 = 0xE0), then
  // nine zeros as one RLE run (9 << 1 = 0x12, value 0x00).
  EXPECT_EQ(pages[1].header[5][1].i, 17);
  EXPECT_EQ(pages[1].header[5][2].i, 8);  // RLE_DICTIONARY
  EXPECT_EQ(body_of(chunk, pages[1]), (Bytes{2, 0x03, 0x40, 0xE0, 0x12, 0x00}));
}

TEST(ParquetColumnChunk, array_pages_hold_page_bytes_of_values_across_segments) {
  // int16 widens to 4 bytes: page_bytes 64 -> 16 rows a page; 40 rows -> 16, 16, 8.
  std::vector<int16_t> a(20), b(15);
  for (int i = 0; i < 20; ++i) a[i] = static_cast<int16_t>(i - 10);
  for (int i = 0; i < 15; ++i) b[i] = static_cast<int16_t>(1000 * i);
  const int16_t s = -32768;
  const ValueSegment segments[] = {{a.data(), 20, false}, {&s, 5, true}, {b.data(), 15, false}};
  ColumnChunkEncoder encoder(options(Codec::zstd, 64));
  EncodedColumnChunk chunk;
  encoder.encode({"x", Dtype::int16, ColumnEncoding::plain}, segments, 3, ColumnStats{}, chunk);
  EXPECT_EQ(chunk.codec, Codec::zstd);
  EXPECT_EQ(chunk.encodings, (std::vector<Encoding>{Encoding::plain}));
  EXPECT_EQ(chunk.dictionary_page_offset, -1);
  EXPECT_EQ(chunk.data_page_offset, 0);
  const auto pages = split_pages(chunk.bytes);
  ASSERT_EQ(pages.size(), 3u);
  std::vector<int32_t> expected;
  for (int16_t v : a) expected.push_back(v);
  for (int i = 0; i < 5; ++i) expected.push_back(s);
  for (int16_t v : b) expected.push_back(v);
  Bytes all;
  int64_t uncompressed = 0;
  const int64_t rows[] = {16, 16, 8};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(pages[i].header[5][1].i, rows[i]);
    EXPECT_EQ(pages[i].header[5][2].i, 0);  // PLAIN
    EXPECT_EQ(pages[i].header[5][3].i, 3);  // levels RLE
    EXPECT_EQ(pages[i].header[5][4].i, 3);
    const Bytes body = body_of(chunk, pages[i]);
    all.insert(all.end(), body.begin(), body.end());
    uncompressed += static_cast<int64_t>(pages[i].body_offset - (i ? pages[i - 1].body_offset + pages[i - 1].body_size : 0)) +
                    pages[i].header[2].i;
  }
  EXPECT_EQ(all, le_bytes(expected));
  EXPECT_EQ(chunk.total_uncompressed_size, uncompressed);
}

TEST(ParquetColumnChunk, automatic_encoding_is_bss_for_floats_and_delta_for_integers) {
  const float f[] = {1.0f, 2.0f};
  const uint64_t u[] = {1, ~0ull};
  const float fs = 0;
  ColumnChunkEncoder encoder(options(Codec::none, 1 << 20));
  EncodedColumnChunk chunk;
  const ValueSegment fseg[] = {{f, 2, false}, {&fs, 3, true}};
  encoder.encode({"f", Dtype::float32, ColumnEncoding::automatic}, fseg, 2, ColumnStats{}, chunk);
  EXPECT_EQ(chunk.encodings, (std::vector<Encoding>{Encoding::byte_stream_split}));
  EXPECT_EQ(chunk.num_values, 5);
  const ValueSegment useg{u, 2, false};
  encoder.encode({"u", Dtype::uint64, ColumnEncoding::automatic}, &useg, 1, ColumnStats{}, chunk);
  EXPECT_EQ(chunk.encodings, (std::vector<Encoding>{Encoding::delta_binary_packed}));
  EXPECT_EQ(chunk.num_values, 2);
}

TEST(ParquetColumnChunk, encode_dictionary_accepts_array_segments) {
  const int64_t steps[] = {5, 5, 6};
  const int64_t seven = 7;
  const ValueSegment segments[] = {{steps, 3, false}, {&seven, 2, true}};
  ColumnChunkEncoder encoder(options(Codec::none, 1 << 20));
  EncodedColumnChunk chunk;
  encoder.encode_dictionary({"step", Dtype::int64, ColumnEncoding::plain}, segments, 2, ColumnStats{}, chunk);
  const auto pages = split_pages(chunk.bytes);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(body_of(chunk, pages[0]), le_bytes(std::vector<int64_t>{5, 6, 7}));
  // Indices 0,0,1,2,2 width 2, bit-packed: 0b10_01_00_00 = 0x90, 0b10 = 0x02.
  EXPECT_EQ(body_of(chunk, pages[1]), (Bytes{2, 0x03, 0x90, 0x02}));
}

TEST(ParquetColumnChunk, delta_on_a_float_column_is_an_internal_error) {
  const double v[] = {1.0};
  const ValueSegment segment{v, 1, false};
  ColumnChunkEncoder encoder(options(Codec::none, 1 << 20));
  EncodedColumnChunk chunk;
  try {
    encoder.encode({"x", Dtype::float64, ColumnEncoding::delta_binary_packed}, &segment, 1, ColumnStats{}, chunk);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::internal);
  }
}

TEST(ParquetColumnChunk, reencoding_reuses_the_output_buffer_and_is_deterministic) {
  std::vector<double> v(5000);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(static_cast<double>(i));
  const ValueSegment segment{v.data(), v.size(), false};
  ColumnChunkEncoder encoder(options(Codec::zstd, 4096));
  EncodedColumnChunk chunk;
  ColumnStats stats;
  stats.nan_count = 7;
  encoder.encode({"x", Dtype::float64, ColumnEncoding::automatic}, &segment, 1, stats, chunk);
  const Bytes first = chunk.bytes;
  const uint8_t* buffer = chunk.bytes.data();
  encoder.encode({"x", Dtype::float64, ColumnEncoding::automatic}, &segment, 1, stats, chunk);
  EXPECT_EQ(chunk.bytes, first);
  EXPECT_EQ(chunk.bytes.data(), buffer);
  EXPECT_EQ(chunk.stats.nan_count, 7u);
  EXPECT_EQ(split_pages(chunk.bytes).size(), 10u);  // 5000 rows / 512 rows a page
}

}  // namespace
}  // namespace simingest::parquet
