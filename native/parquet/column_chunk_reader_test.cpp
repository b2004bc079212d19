// Reading back what ColumnChunkEncoder and FileWriter write: every dtype,
// every encoding, both codecs, several pages, and hostile bytes.
#include "parquet/column_chunk_reader.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "core/column_stats.hpp"
#include "core/status.hpp"
#include "kernels/column_stats_kernel.hpp"
#include "parquet/column_chunk.hpp"
#include "parquet/column_type.hpp"
#include "parquet/footer_reader.hpp"
#include "parquet/memory_source_test_support.hpp"

namespace simingest::parquet {
namespace {

using Bytes = std::vector<uint8_t>;

// `rows` values of `dtype` with runs, extremes and (for floats) NaN, ±0, ±Inf.
Bytes values_of(Dtype dtype, std::size_t rows, uint32_t seed) {
  std::mt19937_64 random(seed);
  const std::size_t size = dtype_size(dtype);
  Bytes out(rows * size);
  for (std::size_t i = 0; i < rows; ++i) {
    uint64_t bits = random();
    if (i % 7 < 3 && i > 0) std::memcpy(&bits, out.data() + (i - 1) * size, size);  // runs
    if (dtype == Dtype::float64 && i % 11 == 0) {
      const double special[] = {std::nan(""), -0.0, 0.0, INFINITY, -INFINITY, 1e-310};
      std::memcpy(&bits, &special[i / 11 % 6], 8);
    }
    if (dtype == Dtype::float32 && i % 11 == 0) {
      const float special[] = {std::nanf(""), -0.0f, 0.0f, INFINITY, -INFINITY, 1e-40f};
      std::memcpy(&bits, &special[i / 11 % 6], 4);
    }
    std::memcpy(out.data() + i * size, &bits, size);
  }
  return out;
}

Bytes physical_of(Dtype dtype, const Bytes& values) {
  const std::size_t count = values.size() / dtype_size(dtype);
  Bytes out(count * column_type_of(dtype).physical_size);
  widen_to_physical(dtype, values.data(), count, out.data());
  return out;
}

Bytes decode(const EncodedColumnChunk& chunk, Dtype dtype) {
  format::ColumnMetaData md;
  md.type = column_type_of(dtype).physical;
  md.codec = chunk.codec == Codec::zstd ? format::CompressionCodec::zstd : format::CompressionCodec::uncompressed;
  md.num_values = chunk.num_values;
  ColumnChunkReader reader;
  Bytes values;
  reader.decode(md, chunk.bytes.data(), chunk.bytes.size(), "chunk", values);
  return values;
}

constexpr Dtype kDtypes[] = {Dtype::float32, Dtype::float64, Dtype::int8,   Dtype::int16,  Dtype::int32,
                             Dtype::int64,   Dtype::uint8,   Dtype::uint16, Dtype::uint32, Dtype::uint64};

TEST(ColumnChunkReader, decodes_every_dtype_encoding_and_codec_the_encoder_writes) {
  for (Codec codec : {Codec::none, Codec::zstd}) {
    EncoderOptions options;
    options.codec = codec;
    options.page_bytes = 1000;  // several pages
    ColumnChunkEncoder encoder(options);
    for (Dtype dtype : kDtypes) {
      for (ColumnEncoding encoding : {ColumnEncoding::automatic, ColumnEncoding::plain,
                                      ColumnEncoding::byte_stream_split, ColumnEncoding::delta_binary_packed}) {
        if (encoding == ColumnEncoding::delta_binary_packed && dtype_is_float(dtype)) continue;
        const Bytes values = values_of(dtype, 2500, static_cast<uint32_t>(dtype) * 31 + static_cast<uint32_t>(encoding));
        const std::size_t size = dtype_size(dtype);
        // Arrays mixed with a scalar segment (expanded in the pages).
        const ValueSegment segments[] = {{values.data(), 1000, false},
                                         {values.data() + 1000 * size, 500, true},
                                         {values.data() + 1500 * size, 1000, false}};
        Bytes expected(values);
        for (std::size_t i = 1000; i < 1500; ++i) std::memcpy(expected.data() + i * size, values.data() + 1000 * size, size);
        EncodedColumnChunk chunk;
        const ColumnDescriptor column{"v", dtype, encoding};
        encoder.encode(column, segments, 3, compute_column_stats(dtype, expected.data(), 2500), chunk);
        EXPECT_EQ(decode(chunk, dtype), physical_of(dtype, expected))
            << dtype_name(dtype) << " encoding " << static_cast<int>(encoding) << " codec " << static_cast<int>(codec);

        // All scalars: dictionary pages.
        const ValueSegment scalars[] = {{values.data(), 700, true}, {values.data() + size, 900, true},
                                        {values.data(), 300, true}};
        Bytes repeated(1900 * size);
        for (std::size_t i = 0; i < 1900; ++i)
          std::memcpy(repeated.data() + i * size, values.data() + (i >= 700 && i < 1600 ? size : 0), size);
        encoder.encode(column, scalars, 3, compute_column_stats(dtype, repeated.data(), 1900), chunk);
        ASSERT_GE(chunk.dictionary_page_offset, 0);
        EXPECT_EQ(decode(chunk, dtype), physical_of(dtype, repeated)) << dtype_name(dtype);
      }
    }
  }
}

TEST(ColumnChunkReader, decodes_a_dictionary_of_many_values_with_bit_packed_indices) {
  ColumnChunkEncoder encoder(EncoderOptions{});
  std::vector<ValueSegment> segments;
  std::vector<int64_t> steps(3000);
  Bytes expected;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    steps[i] = static_cast<int64_t>(i * 7 % 1013);  // 1013 distinct values, 10-bit indices
    segments.push_back({&steps[i], 1 + i % 3, true});
    for (std::size_t r = 0; r < 1 + i % 3; ++r)
      expected.insert(expected.end(), reinterpret_cast<uint8_t*>(&steps[i]), reinterpret_cast<uint8_t*>(&steps[i]) + 8);
  }
  EncodedColumnChunk chunk;
  encoder.encode_dictionary({"step", Dtype::int64, ColumnEncoding::automatic}, segments.data(), segments.size(),
                            ColumnStats{}, chunk);
  EXPECT_EQ(decode(chunk, Dtype::int64), expected);
}

Status status_of_decoding(const Bytes& bytes, int64_t rows, format::CompressionCodec codec) {
  format::ColumnMetaData md;
  md.type = format::Type::double_;
  md.codec = codec;
  md.num_values = rows;
  ColumnChunkReader reader;
  Bytes values;
  try {
    reader.decode(md, bytes.data(), bytes.size(), "chunk", values);
    return Status::ok;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("chunk"), std::string::npos) << e.what();
    return e.status();
  }
}

TEST(ColumnChunkReader, damaged_chunks_throw_corrupt_and_never_crash) {
  for (Codec codec : {Codec::none, Codec::zstd}) {
    EncoderOptions options;
    options.codec = codec;
    options.page_bytes = 512;
    ColumnChunkEncoder encoder(options);
    const auto thrift_codec = codec == Codec::zstd ? format::CompressionCodec::zstd : format::CompressionCodec::uncompressed;
    const Bytes values = values_of(Dtype::float64, 300, 5);
    for (bool scalar : {false, true}) {
      std::vector<ValueSegment> segments;
      for (std::size_t i = 0; i < 30; ++i) segments.push_back({values.data() + i * 80, 10, scalar});
      EncodedColumnChunk chunk;
      encoder.encode({"v", Dtype::float64, ColumnEncoding::automatic}, segments.data(), segments.size(), ColumnStats{}, chunk);
      ASSERT_EQ(status_of_decoding(chunk.bytes, 300, thrift_codec), Status::ok);
      EXPECT_EQ(status_of_decoding(chunk.bytes, 299, thrift_codec), Status::corrupt);
      EXPECT_EQ(status_of_decoding(chunk.bytes, 301, thrift_codec), Status::corrupt);
      for (std::size_t n = 0; n < chunk.bytes.size(); n += 7)
        EXPECT_EQ(status_of_decoding(Bytes(chunk.bytes.begin(), chunk.bytes.begin() + static_cast<std::ptrdiff_t>(n)), 300,
                                     thrift_codec),
                  Status::corrupt)
            << n;
      for (std::size_t i = 0; i < chunk.bytes.size(); ++i) {
        Bytes flipped = chunk.bytes;
        flipped[i] ^= static_cast<uint8_t>(0x41);
        const Status s = status_of_decoding(flipped, 300, thrift_codec);
        EXPECT_TRUE(s == Status::ok || s == Status::corrupt) << static_cast<int>(s);
      }
    }
  }
}

TEST(FooterReader, reads_the_footer_file_writer_writes_and_refuses_damaged_files) {
  testing::MemoryFile file;
  FileSchema schema;
  schema.columns = {{"step", Dtype::int64, ColumnEncoding::automatic}, {"u", Dtype::uint16, ColumnEncoding::automatic}};
  FileWriter writer(file, schema, {{"simingest.stream", "fields"}});
  ColumnChunkEncoder encoder(EncoderOptions{});
  std::vector<EncodedColumnChunk> chunks(2);
  const int64_t step = 4;
  const uint16_t u[3] = {1, 65535, 7};
  const ValueSegment step_segment{&step, 3, true}, u_segment{u, 3, false};
  encoder.encode_dictionary(schema.columns[0], &step_segment, 1, scalar_column_stats(Dtype::int64, &step, 3), chunks[0]);
  encoder.encode(schema.columns[1], &u_segment, 1, compute_column_stats(Dtype::uint16, u, 3), chunks[1]);
  writer.append_row_group(3, chunks.data(), 2);
  writer.append_row_group(3, chunks.data(), 2);
  writer.finish();

  const format::FileMetaData md = read_footer(file);
  EXPECT_EQ(md.num_rows, 6);
  ASSERT_EQ(md.schema.size(), 3u);
  EXPECT_EQ(md.schema[2].name, "u");
  ASSERT_TRUE(md.schema[2].logical_type && md.schema[2].logical_type->integer);
  EXPECT_EQ(md.schema[2].logical_type->integer->bit_width, 16);
  EXPECT_FALSE(md.schema[2].logical_type->integer->is_signed);
  ASSERT_EQ(md.row_groups.size(), 2u);
  const auto& c1 = md.row_groups[1].columns[1].meta_data;
  EXPECT_EQ(c1.path_in_schema, std::vector<std::string>{"u"});
  ASSERT_TRUE(c1.statistics && c1.statistics->max_value);
  EXPECT_EQ(*c1.statistics->max_value, std::string("\xFF\xFF\0\0", 4));
  ASSERT_EQ(md.key_value_metadata.size(), 1u);
  EXPECT_EQ(md.key_value_metadata[0].value, "fields");

  // The chunks decode from where the footer says they are.
  ColumnChunkReader reader;
  Bytes bytes, values;
  reader.read_bytes(file, column_chunk_range(c1, footer_offset(file), "memory"), bytes);
  reader.decode(c1, bytes.data(), bytes.size(), "memory", values);
  EXPECT_EQ(values, physical_of(Dtype::uint16, Bytes(reinterpret_cast<const uint8_t*>(u), reinterpret_cast<const uint8_t*>(u) + 6)));

  // Truncated anywhere, or cut at the magic: corrupt, never a crash.
  for (std::size_t n = 0; n < file.bytes.size(); ++n) {
    testing::MemoryFile cut;
    cut.bytes.assign(file.bytes.begin(), file.bytes.begin() + static_cast<std::ptrdiff_t>(n));
    try {
      read_footer(cut);
      ADD_FAILURE() << "a file cut at " << n << " read";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::corrupt) << e.what();
    }
  }
}

}  // namespace
}  // namespace simingest::parquet
