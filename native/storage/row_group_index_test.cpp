#include "storage/row_group_index.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.hpp"
#include "storage/manifest.hpp"
#include "storage/row_group_index_json.hpp"

namespace simingest::storage {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kSchema =
    R"({"columns":[{"name":"f32","dtype":"float32"},{"name":"f64","dtype":"float64"},)"
    R"({"name":"i64","dtype":"int64"},{"name":"u64","dtype":"uint64"},{"name":"i8","dtype":"int8"}],"grid":[],"partition":{}})";

IndexValue float_value(double f) {
  IndexValue v;
  v.kind = IndexValue::Kind::float64;
  v.f = f;
  return v;
}
IndexValue int_value(int64_t i) {
  IndexValue v;
  v.i = i;
  return v;
}
IndexValue uint_value(uint64_t u) {
  IndexValue v;
  v.kind = IndexValue::Kind::uint64;
  v.u = u;
  return v;
}
ColumnIndexStats stats(IndexValue min, IndexValue max, uint64_t nans) {
  ColumnIndexStats s;
  s.has_min_max = true;
  s.min = min;
  s.max = max;
  s.nan_count = nans;
  return s;
}

// Two row groups: four frames of 16 rows (each recorded), then three frames of one row (none).
ManifestFile indexed_file() {
  ManifestFile file;
  file.stream = "s";
  file.path = "s/part=0/part-00000001-00000000.parquet";
  file.rows = 67;
  file.frames = 8;  // one frame of zero rows rode along without a row group
  file.row_groups = 2;
  file.bytes = 100000;
  file.step_min = -5;
  file.step_max = 9;
  file.time_min = -0.5;
  file.time_max = 9.25;
  file.committed_at = "2026-01-02T03:04:05Z";
  RowGroupIndex first;
  first.rows = 64;
  first.frames = 4;
  first.bytes = 4000;
  first.step_min = -5;
  first.step_max = 3;
  first.time_min = -0.5;
  first.time_max = 0.3;
  first.columns = {stats(float_value(static_cast<double>(0.1f)), float_value(std::numeric_limits<double>::infinity()), 2),
                   stats(float_value(-0.0), float_value(5e-324), 0),
                   stats(int_value(std::numeric_limits<int64_t>::min()), int_value(std::numeric_limits<int64_t>::max()), 0),
                   stats(uint_value(0), uint_value(std::numeric_limits<uint64_t>::max()), 0),
                   stats(int_value(-128), int_value(127), 0)};
  first.frame_entries = {{-5, -0.5, 0, 16}, {1, 0.1, 16, 16}, {2, 0.2, 32, 16}, {3, 0.3, 48, 16}};
  RowGroupIndex second;
  second.first_row = 64;
  second.rows = 3;
  second.frames = 3;
  second.bytes = 300;
  second.step_min = 7;
  second.step_max = 9;
  second.time_min = 7.0;
  second.time_max = 9.25;
  ColumnIndexStats all_nan = column_index_stats(Dtype::float32, ColumnStats{false, 0, 0, 3});
  second.columns = {all_nan, stats(float_value(-std::numeric_limits<double>::infinity()), float_value(1), 1),
                    stats(int_value(2), int_value(2), 0), stats(uint_value(1ull << 60), uint_value((1ull << 60) + 1), 0),
                    stats(int_value(0), int_value(0), 0)};
  file.row_group_index = {first, second};
  return file;
}

Manifest indexed_manifest() {
  Manifest manifest;
  manifest.streams.emplace_back("s", kSchema);
  manifest.files.push_back(indexed_file());
  return manifest;
}

std::string corruption_of(const Json& index, const ManifestFile& file = indexed_file()) {
  try {
    parse_row_group_index(index, declared_dtypes(kSchema), file, "m.json", "files[0].rowGroupIndex");
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::corrupt);
    return e.what();
  }
  ADD_FAILURE() << "expected an error for " << index.dump();
  return "";
}

TEST(RowGroupIndexTest, survives_a_manifest_write_and_read_bit_for_bit) {
  const std::string text = serialize_manifest(indexed_manifest());
  const Manifest read = parse_manifest(text, "m.json");
  ASSERT_EQ(read.files.size(), 1u);
  EXPECT_EQ(read.files[0].row_group_index, indexed_file().row_group_index);
  const IndexValue negative_zero = read.files[0].row_group_index[0].columns[1].min;
  EXPECT_TRUE(std::signbit(negative_zero.f));
  EXPECT_EQ(read.files[0].row_group_index[1].frame_entries.size(), 0u);
  EXPECT_EQ(serialize_manifest(read), text);
}

TEST(RowGroupIndexTest, is_written_compactly_with_exact_integers_and_named_infinities) {
  const std::string text = serialize_manifest(indexed_manifest());
  EXPECT_NE(text.find(R"("rowGroupIndex": [{"firstRow":0,"rows":64,"frames":4,"bytes":4000,)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"([-9223372036854775808,9223372036854775807,0])"), std::string::npos);
  EXPECT_NE(text.find(R"([0,18446744073709551615,0])"), std::string::npos);
  EXPECT_NE(text.find(R"("Infinity",2])"), std::string::npos);
  EXPECT_NE(text.find(R"([null,null,3])"), std::string::npos);
  EXPECT_NE(text.find(R"("frameIndex":[[-5,-0.5,16],[1,0.1,16],)"), std::string::npos);
}

TEST(RowGroupIndexTest, an_entry_without_an_index_reads_as_empty) {
  Manifest manifest = indexed_manifest();
  manifest.files[0].row_group_index.clear();
  const std::string text = serialize_manifest(manifest);
  EXPECT_EQ(text.find("rowGroupIndex"), std::string::npos);
  EXPECT_TRUE(parse_manifest(text, "m").files[0].row_group_index.empty());
}

TEST(RowGroupIndexTest, the_frame_rule_records_frames_of_sixteen_rows_or_more_on_average) {
  EXPECT_TRUE(records_frames(16, 1));
  EXPECT_TRUE(records_frames(64, 4));
  EXPECT_FALSE(records_frames(63, 4));
  EXPECT_FALSE(records_frames(1000, 1000));  // scalar diagnostics
  EXPECT_FALSE(records_frames(0, 0));
}

TEST(RowGroupIndexTest, engine_statistics_convert_with_the_bits_of_their_dtype) {
  ColumnStats s{true, 0, 0, 1};
  const float f = -1.5f;
  std::memcpy(&s.min_bits, &f, sizeof f);
  s.max_bits = 0x7f800000;  // +inf as float32
  ColumnIndexStats out = column_index_stats(Dtype::float32, s);
  EXPECT_EQ(out.min, float_value(-1.5));
  EXPECT_EQ(out.max, float_value(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(column_index_stats(Dtype::int16, ColumnStats{true, 0x8000, 0x7fff, 0}).min, int_value(-32768));
  EXPECT_EQ(column_index_stats(Dtype::uint16, ColumnStats{true, 0x8000, 0xffff, 0}).max, uint_value(65535));
}

Json written_index() { return row_group_index_json(indexed_file().row_group_index); }

TEST(RowGroupIndexTest, a_damaged_index_is_corrupt_and_the_error_names_where) {
  Json index = written_index();
  index[1]["firstRow"] = 63;
  EXPECT_NE(corruption_of(index).find("files[0].rowGroupIndex[1].firstRow: expected 64"), std::string::npos);

  index = written_index();
  index.erase(1);
  EXPECT_NE(corruption_of(index).find("1 entries for 2 row groups"), std::string::npos);

  index = written_index();
  index[0].erase("frameIndex");
  EXPECT_NE(corruption_of(index).find("rowGroupIndex[0].frameIndex: missing"), std::string::npos);

  index = written_index();
  index[1]["frameIndex"] = Json::array({Json::array({7, 7.0, 1}), Json::array({8, 8.0, 1}), Json::array({9, 9.25, 1})});
  EXPECT_NE(corruption_of(index).find("rowGroupIndex[1].frameIndex: present"), std::string::npos);

  index = written_index();
  index[0]["frameIndex"][2][2] = 17;
  EXPECT_NE(corruption_of(index).find("rowGroupIndex[0].frameIndex"), std::string::npos);

  index = written_index();
  index[0]["frameIndex"][1][0] = 4;  // step above the row group's stepMax
  EXPECT_NE(corruption_of(index).find("frameIndex[1]: step or time outside"), std::string::npos);

  index = written_index();
  index[0]["columnStats"][2] = Json::array({5, 4, 0});
  EXPECT_NE(corruption_of(index).find("columnStats[2]: min above max"), std::string::npos);

  index = written_index();
  index[0]["columnStats"][0][0] = 0.1;  // not a float32 value
  EXPECT_NE(corruption_of(index).find("columnStats[0][0]: not a float32 value"), std::string::npos);

  index = written_index();
  index[0]["columnStats"][4][1] = 128;
  EXPECT_NE(corruption_of(index).find("columnStats[4][1]: out of range of int8"), std::string::npos);

  index = written_index();
  index[0]["columnStats"][3][0] = -1;
  EXPECT_NE(corruption_of(index).find("columnStats[3][0]: expected a non-negative integer"), std::string::npos);

  index = written_index();
  index[0]["columnStats"].erase(4);
  EXPECT_NE(corruption_of(index).find("columnStats: expected an array of 5 elements"), std::string::npos);

  index = written_index();
  index[0]["columnStats"][1][2] = 65;
  EXPECT_NE(corruption_of(index).find("more NaNs than rows"), std::string::npos);

  index = written_index();
  index[0]["stepMin"] = -6;  // outside the file's steps
  EXPECT_NE(corruption_of(index).find("rowGroupIndex[0]: step or time range outside the file's"), std::string::npos);

  ManifestFile fewer_rows = indexed_file();
  fewer_rows.rows = 66;
  EXPECT_NE(corruption_of(written_index(), fewer_rows).find("rowGroupIndex[1]: rows beyond the file's"), std::string::npos);

  index = written_index();
  index[0]["timeMax"] = "0.3";
  EXPECT_NE(corruption_of(index).find("rowGroupIndex[0].timeMax: expected a number"), std::string::npos);
}

TEST(RowGroupIndexTest, a_stream_the_manifest_does_not_declare_cannot_carry_an_index) {
  Manifest manifest = indexed_manifest();
  manifest.streams[0].second = R"({"grid":[]})";
  try {
    parse_manifest(serialize_manifest(manifest), "m");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::corrupt);
    EXPECT_NE(std::string(e.what()).find("declares no column dtypes"), std::string::npos) << e.what();
  }
}

// Bytes a file entry takes in the serialised manifest: the document with the
// entry minus the document without it.
std::size_t entry_bytes(const std::string& schema, const ManifestFile& file) {
  Manifest with, without;
  with.streams.emplace_back(file.stream, schema);
  without.streams = with.streams;
  with.files.push_back(file);
  return serialize_manifest(with).size() - serialize_manifest(without).size();
}

ManifestFile measured_file(const std::string& stream, int64_t row_groups, int64_t frames_per_group,
                           int64_t rows_per_frame, std::size_t ncolumns, bool index) {
  ManifestFile file;
  file.stream = stream;
  file.path = stream + "/part=0/part-00000001-3f9a1c2e.parquet";
  file.row_groups = row_groups;
  file.frames = row_groups * frames_per_group;
  file.rows = file.frames * rows_per_frame;
  file.bytes = 512ull << 20;
  file.step_min = 100000;
  file.step_max = file.step_min + file.frames - 1;
  file.time_min = 12.345678901234567;
  file.time_max = file.time_min + 0.001234567890123 * static_cast<double>(file.frames);
  file.committed_at = "2026-11-25T16:30:00Z";
  file.checksums = FileChecksums{0x4f6a1c90, 2311, 0x0b1d77e2};
  file.columns.push_back({"step", 123456, 2345});
  file.columns.push_back({"time", 123456, 2345});
  for (std::size_t c = 0; c < ncolumns; ++c) file.columns.push_back({"c" + std::to_string(c), 1 << 26, 1 << 25});
  if (!index) return file;
  int64_t frame = 0;
  for (int64_t g = 0; g < row_groups; ++g) {
    RowGroupIndex group;
    group.first_row = g * frames_per_group * rows_per_frame;
    group.rows = frames_per_group * rows_per_frame;
    group.frames = frames_per_group;
    group.bytes = 40123456;
    group.step_min = file.step_min + frame;
    group.step_max = group.step_min + frames_per_group - 1;
    group.time_min = file.time_min + 0.001234567890123 * static_cast<double>(frame);
    group.time_max = group.time_min + 0.001234567890123 * static_cast<double>(frames_per_group - 1);
    for (std::size_t c = 0; c < ncolumns; ++c)  // typical float32 values: 9 significant digits
      group.columns.push_back(stats(float_value(static_cast<double>(-1.23456789f)), float_value(static_cast<double>(0.987654321f)), 0));
    if (records_frames(group.rows, group.frames))
      for (int64_t f = 0; f < frames_per_group; ++f, ++frame)
        group.frame_entries.push_back({file.step_min + frame, file.time_min + 0.001234567890123 * static_cast<double>(frame),
                                       group.first_row + f * rows_per_frame, rows_per_frame});
    else
      frame += frames_per_group;
    file.row_group_index.push_back(group);
  }
  return file;
}

// The numbers of docs/ON_DISK.md "Size": bounded here so they stay true.
TEST(RowGroupIndexTest, manifest_bytes_per_file_entry_stay_small) {
  const std::string fields_schema =
      R"({"columns":[{"name":"c0","dtype":"float32"},{"name":"c1","dtype":"float32"},{"name":"c2","dtype":"float32"},)"
      R"({"name":"c3","dtype":"float32"}],"grid":[512,512],"partition":{}})";
  const std::string scalar_schema =
      R"({"columns":[{"name":"c0","dtype":"float64"},{"name":"c1","dtype":"float64"}],"grid":[],"partition":{}})";
  // tgv2d-like: 512x512 grid, 4 float32 columns: 16 frames fill a 64 MiB row
  // group, 8 row groups a 512 MiB file. Scalar: 2 float64 columns, one row a frame.
  const std::size_t fields_plain = entry_bytes(fields_schema, measured_file("fields", 8, 16, 512 * 512, 4, false));
  const std::size_t fields_indexed = entry_bytes(fields_schema, measured_file("fields", 8, 16, 512 * 512, 4, true));
  const std::size_t scalar_plain = entry_bytes(scalar_schema, measured_file("diag", 8, 100000, 1, 2, false));
  const std::size_t scalar_indexed = entry_bytes(scalar_schema, measured_file("diag", 8, 100000, 1, 2, true));
  std::printf("manifest entry bytes: fields %zu without index, %zu with (%zu per row group); "
              "scalar %zu without, %zu with (%zu per row group)\n",
              fields_plain, fields_indexed, (fields_indexed - fields_plain) / 8, scalar_plain, scalar_indexed,
              (scalar_indexed - scalar_plain) / 8);
  EXPECT_LT((fields_indexed - fields_plain) / 8, 1200u);
  EXPECT_LT((scalar_indexed - scalar_plain) / 8, 300u);
}

}  // namespace
}  // namespace simingest::storage
