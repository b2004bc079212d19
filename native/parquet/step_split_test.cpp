// Splitting a file at a step: kept row groups copied byte for byte, the ones
// that straddle re-encoded, checked with the spec-only test reader
// (support/plain_parquet_reader.hpp) where the file is PLAIN/UNCOMPRESSED and
// against the original chunks otherwise.
#include "parquet/step_split.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>

#include "core/column_stats.hpp"
#include "core/status.hpp"
#include "kernels/column_stats_kernel.hpp"
#include "parquet/column_chunk_reader.hpp"
#include "parquet/column_type.hpp"
#include "parquet/footer_reader.hpp"
#include "parquet/memory_source_test_support.hpp"
#include "support/plain_parquet_reader.hpp"
#include "support/scratch_directory.hpp"

namespace simingest::parquet {
namespace {

using testing::MemoryFile;

constexpr std::size_t kRows = 4;  // rows per frame

// One frame as the engine would hand it to the writer: step, time, an array
// column v (float32), a scalar column s (int16) and an array k (uint64).
struct TestFrame {
  int64_t step;
  double time;
  float v[kRows];
  int16_t s;
  uint64_t k[kRows];
};

TestFrame frame_of(int64_t step) {
  TestFrame f{};
  f.step = step;
  f.time = 0.5 * static_cast<double>(step);
  for (std::size_t r = 0; r < kRows; ++r) {
    f.v[r] = static_cast<float>(step) * 1.25f - static_cast<float>(r);
    f.k[r] = (uint64_t{1} << 63) + static_cast<uint64_t>(step * 1000) + r;
  }
  f.s = static_cast<int16_t>(-step - 1);
  return f;
}

FileSchema schema_of(ColumnEncoding encoding) {
  FileSchema schema;
  schema.columns = {{"step", Dtype::int64, ColumnEncoding::automatic},
                    {"time", Dtype::float64, ColumnEncoding::automatic},
                    {"v", Dtype::float32, encoding},
                    {"s", Dtype::int16, encoding},
                    {"k", Dtype::uint64, encoding}};
  return schema;
}

// Row groups of frames, written the way the engine's workers encode them.
void write_file(ByteSink& sink, const std::vector<std::vector<int64_t>>& groups, Codec codec, ColumnEncoding encoding) {
  const FileSchema schema = schema_of(encoding);
  FileWriter writer(sink, schema, {{"simingest.stream", "fields"}, {"simingest.version", "test"}});
  EncoderOptions options;
  options.codec = codec;
  options.page_bytes = 40;  // several pages per chunk
  ColumnChunkEncoder encoder(options);
  for (const auto& steps : groups) {
    std::vector<TestFrame> frames;
    for (int64_t step : steps) frames.push_back(frame_of(step));
    std::vector<EncodedColumnChunk> chunks(schema.columns.size());
    for (std::size_t c = 0; c < schema.columns.size(); ++c) {
      const Dtype dtype = schema.columns[c].dtype;
      std::vector<ValueSegment> segments;
      ColumnStats stats;
      for (const TestFrame& f : frames) {
        const void* data = c == 0 ? static_cast<const void*>(&f.step)
                           : c == 1 ? static_cast<const void*>(&f.time)
                           : c == 2 ? static_cast<const void*>(f.v)
                           : c == 3 ? static_cast<const void*>(&f.s)
                                    : static_cast<const void*>(f.k);
        const bool scalar = c < 2 || c == 3;
        segments.push_back({data, kRows, scalar});
        stats.merge(scalar ? scalar_column_stats(dtype, data, kRows) : compute_column_stats(dtype, data, kRows), dtype);
      }
      if (c < 2)
        encoder.encode_dictionary(schema.columns[c], segments.data(), segments.size(), stats, chunks[c]);
      else
        encoder.encode(schema.columns[c], segments.data(), segments.size(), stats, chunks[c]);
    }
    writer.append_row_group(static_cast<int64_t>(steps.size() * kRows), chunks.data(), chunks.size());
  }
  writer.finish();
}

// Every row's value bits, per column, for frames of these steps in order.
std::map<std::string, std::vector<uint64_t>> expected_rows(const std::vector<int64_t>& steps) {
  std::map<std::string, std::vector<uint64_t>> out;
  for (int64_t step : steps) {
    const TestFrame f = frame_of(step);
    for (std::size_t r = 0; r < kRows; ++r) {
      uint64_t bits = 0;
      std::memcpy(&bits, &f.step, 8);
      out["step"].push_back(bits);
      std::memcpy(&bits, &f.time, 8);
      out["time"].push_back(bits);
      uint32_t v;
      std::memcpy(&v, &f.v[r], 4);
      out["v"].push_back(v);
      out["s"].push_back(static_cast<uint32_t>(static_cast<int32_t>(f.s)));  // INT32, sign-extended
      out["k"].push_back(f.k[r]);
    }
  }
  return out;
}

const std::vector<std::vector<int64_t>> kGroups = {{0, 1, 2, 3}, {4, 5, 6, 7}, {10, 3, 11, 2}};

TEST(StepSplit, plans_the_split_from_the_step_column) {
  MemoryFile file;
  write_file(file, kGroups, Codec::zstd, ColumnEncoding::automatic);
  StepSplit split(file, 5);
  EXPECT_EQ(split.kept().rows, 8 * static_cast<int64_t>(kRows));
  EXPECT_EQ(split.kept().frames, 8);
  EXPECT_EQ(split.kept().row_groups, 3);
  EXPECT_EQ(split.kept().step_min, 0);
  EXPECT_EQ(split.kept().step_max, 5);
  EXPECT_EQ(split.kept().time_max, 2.5);
  EXPECT_EQ(split.dropped().rows, 4 * static_cast<int64_t>(kRows));
  EXPECT_EQ(split.dropped().frames, 4);
  EXPECT_EQ(split.dropped().row_groups, 2);
  EXPECT_EQ(split.dropped().step_min, 6);
  EXPECT_EQ(split.dropped().step_max, 11);
  EXPECT_EQ(split.dropped().time_min, 3.0);

  StepSplit everything(file, 100);
  EXPECT_EQ(everything.dropped().rows, 0);
  StepSplit nothing(file, -1);
  EXPECT_EQ(nothing.kept().rows, 0);
  EXPECT_EQ(nothing.dropped().frames, 12);
}

TEST(StepSplit, kept_rows_read_back_exactly_with_an_independent_reader) {
  testing_support::ScratchDirectory scratch;
  MemoryFile original;
  write_file(original, kGroups, Codec::none, ColumnEncoding::plain);
  StepSplit split(original, 5);
  MemoryFile kept;
  const auto bytes = split.write_kept(kept);
  const std::string path = scratch / "kept.parquet";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(kept.bytes.data()),
                                              static_cast<std::streamsize>(kept.bytes.size()));

  const auto read = testing_support::read_plain_parquet(path);
  EXPECT_EQ(read.num_rows, 8 * static_cast<int64_t>(kRows));
  EXPECT_EQ(read.row_group_rows, (std::vector<int64_t>{16, 8, 8}));
  EXPECT_EQ(read.column_names, (std::vector<std::string>{"step", "time", "v", "s", "k"}));
  EXPECT_EQ(read.columns, expected_rows({0, 1, 2, 3, 4, 5, 3, 2}));
  EXPECT_EQ(read.key_values.at("simingest.stream"), "fields");
  EXPECT_EQ(read.key_values.at("simingest.version"), "test");

  // The byte counts returned are the file's: its column chunks, then the
  // page index, then the footer.
  int64_t compressed = 0;
  for (const auto& column : bytes) compressed += column.compressed_bytes;
  int64_t page_index = 0;
  for (const auto& group : read_footer(kept).row_groups)
    for (const auto& chunk : group.columns)
      page_index += chunk.column_index_length.value_or(0) + chunk.offset_index_length.value_or(0);
  EXPECT_GT(page_index, 0);
  EXPECT_EQ(static_cast<uint64_t>(compressed + page_index) + 4, footer_offset(kept));
}

TEST(StepSplit, copies_whole_row_groups_byte_for_byte_and_keeps_each_encoding) {
  MemoryFile original;
  write_file(original, kGroups, Codec::zstd, ColumnEncoding::automatic);
  const format::FileMetaData before = read_footer(original);
  StepSplit split(original, 5);
  MemoryFile kept;
  split.write_kept(kept);
  const format::FileMetaData after = read_footer(kept);
  ASSERT_EQ(after.row_groups.size(), 3u);

  ColumnChunkReader reader;
  auto chunk_bytes = [&](const MemoryFile& file, const format::ColumnMetaData& md) {
    std::vector<uint8_t> bytes;
    reader.read_bytes(file, column_chunk_range(md, footer_offset(file), "test"), bytes);
    return bytes;
  };
  for (std::size_t c = 0; c < 5; ++c) {
    const auto& old_md = before.row_groups[0].columns[c].meta_data;
    const auto& new_md = after.row_groups[0].columns[c].meta_data;
    EXPECT_EQ(chunk_bytes(kept, new_md), chunk_bytes(original, old_md)) << c;
    EXPECT_EQ(new_md.encodings, old_md.encodings);
    ASSERT_TRUE(new_md.statistics && old_md.statistics);
    EXPECT_EQ(new_md.statistics->min_value, old_md.statistics->min_value);
    EXPECT_EQ(new_md.statistics->max_value, old_md.statistics->max_value);
    // Re-encoded row groups use the writer's encodings for the column.
    EXPECT_EQ(after.row_groups[1].columns[c].meta_data.encodings, before.row_groups[1].columns[c].meta_data.encodings) << c;
    EXPECT_EQ(after.row_groups[1].columns[c].meta_data.codec, format::CompressionCodec::zstd);
  }

  // Every value of the kept file, decoded, is the original's.
  const auto expected = expected_rows({0, 1, 2, 3, 4, 5, 3, 2});
  const char* names[] = {"step", "time", "v", "s", "k"};
  for (std::size_t c = 0; c < 5; ++c) {
    std::vector<uint64_t> values;
    for (const auto& group : after.row_groups) {
      const auto& md = group.columns[c].meta_data;
      const auto bytes = chunk_bytes(kept, md);
      std::vector<uint8_t> decoded;
      reader.decode(md, bytes.data(), bytes.size(), "kept", decoded);
      const std::size_t width = physical_value_size(md.type);
      for (std::size_t i = 0; i < decoded.size() / width; ++i) {
        uint64_t bits = 0;
        std::memcpy(&bits, decoded.data() + i * width, width);
        values.push_back(bits);
      }
    }
    EXPECT_EQ(values, expected.at(names[c])) << names[c];
  }
  // Statistics of a re-encoded chunk cover only the kept rows.
  const auto& step_stats = *after.row_groups[2].columns[0].meta_data.statistics;
  int64_t min_step, max_step;
  std::memcpy(&min_step, step_stats.min_value->data(), 8);
  std::memcpy(&max_step, step_stats.max_value->data(), 8);
  EXPECT_EQ(min_step, 2);
  EXPECT_EQ(max_step, 3);
}

TEST(StepSplit, refuses_files_not_shaped_like_simingest_files) {
  MemoryFile file;
  FileSchema schema;
  schema.columns = {{"time", Dtype::float64, ColumnEncoding::automatic}, {"step", Dtype::int64, ColumnEncoding::automatic}};
  FileWriter writer(file, schema, {});
  writer.finish();
  try {
    StepSplit split(file, 0);
    ADD_FAILURE() << "accepted a file without a leading step column";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::corrupt);
    EXPECT_NE(std::string(e.what()).find("memory.parquet"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace simingest::parquet
