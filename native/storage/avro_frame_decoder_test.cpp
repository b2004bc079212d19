// FrameDecoder: a record decodes back to the dtypes it was written from, bit
// for bit (scalars, arrays, arrays in several Avro blocks), and an integer
// outside its column's dtype or bytes that end early are a malformed record.
// For readers of whole records (compaction, a query's snapshot of the log):
// bytes left over are malformed too, a frame's rows are counted like
// admission's, and a kept frame outlives the decoder's next record.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "storage/avro_binary.hpp"
#include "storage/avro_frame_decoder.hpp"

namespace simingest::storage::avro {
namespace {

const Config kConfig = parse_config(
    R"({"streams":{"s":{"columns":{"u8":"uint8","i64":"int64","f32":"float32","u32":"uint32"},"route":"realtime"}}})");
const StreamConfig& kStream = kConfig.streams[0];

// step 7, time 0.5, u8 scalar `u8`, i64 array in two Avro blocks, f32 array, u32 scalar.
Bytes record(int64_t u8, uint32_t u32) {
  Bytes out;
  append_long(out, 7);
  append_double(out, 0.5);
  append_long(out, 0);  // u8: branch 0, a scalar
  append_long(out, u8);
  append_long(out, 1);  // i64: branch 1, an array
  append_long(out, 1);
  append_long(out, std::numeric_limits<int64_t>::min());
  append_long(out, -2);  // a block of 2 with its byte size, as other writers may write
  Bytes items;
  append_long(items, -1);
  append_long(items, std::numeric_limits<int64_t>::max());
  append_long(out, static_cast<int64_t>(items.size()));
  append_raw(out, items.data(), items.size());
  append_long(out, 0);
  append_long(out, 1);  // f32: an array of 2
  append_long(out, 2);
  const float f32[2] = {-0.0f, std::numeric_limits<float>::denorm_min()};
  append_raw(out, f32, sizeof f32);
  append_long(out, 0);
  append_long(out, 0);  // u32: a scalar
  append_long(out, u32);
  return out;
}

TEST(FrameDecoder, decodes_scalars_and_arrays_bit_for_bit) {
  const Bytes bytes = record(255, 4294967295u);
  Cursor cursor(bytes.data(), bytes.size());
  FrameDecoder decoder(kStream);
  DecodedFrame frame;
  ASSERT_TRUE(decoder.decode(cursor, frame));
  EXPECT_EQ(cursor.remaining(), 0u);
  EXPECT_EQ(frame.step, 7);
  EXPECT_EQ(frame.time, 0.5);
  ASSERT_EQ(frame.columns.size(), 4u);
  EXPECT_STREQ(frame.columns[0].name, "u8");
  EXPECT_EQ(frame.columns[0].dtype, SIMINGEST_UINT8);
  EXPECT_EQ(frame.columns[0].length, SIMINGEST_SCALAR);
  EXPECT_EQ(*static_cast<const uint8_t*>(frame.columns[0].data), 255);
  ASSERT_EQ(frame.columns[1].length, 3u);
  const auto* i64 = static_cast<const int64_t*>(frame.columns[1].data);
  EXPECT_EQ(i64[0], std::numeric_limits<int64_t>::min());
  EXPECT_EQ(i64[1], -1);
  EXPECT_EQ(i64[2], std::numeric_limits<int64_t>::max());
  ASSERT_EQ(frame.columns[2].length, 2u);
  uint32_t bits[2];
  std::memcpy(bits, frame.columns[2].data, sizeof bits);
  EXPECT_EQ(bits[0], 0x80000000u);  // -0.0f
  EXPECT_EQ(bits[1], 1u);           // the smallest subnormal
  EXPECT_EQ(frame.columns[3].dtype, SIMINGEST_UINT32);
  EXPECT_EQ(*static_cast<const uint32_t*>(frame.columns[3].data), 4294967295u);
}

TEST(FrameDecoder, an_integer_outside_its_dtype_or_a_short_record_is_malformed) {
  FrameDecoder decoder(kStream);
  DecodedFrame frame;
  for (const Bytes& bytes : {record(256, 0), record(-1, 0)}) {
    Cursor cursor(bytes.data(), bytes.size());
    EXPECT_FALSE(decoder.decode(cursor, frame));
  }
  const Bytes whole = record(1, 2);
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {
    Cursor cursor(whole.data(), cut);
    EXPECT_FALSE(decoder.decode(cursor, frame)) << "cut at " << cut;
  }
}

TEST(FrameDecoder, a_whole_record_leaves_no_bytes_over) {
  FrameDecoder decoder(kStream);
  DecodedFrame frame;
  Bytes bytes = record(3, 4);
  ASSERT_TRUE(decoder.decode_record(bytes.data(), bytes.size(), frame));
  EXPECT_EQ(*static_cast<const uint8_t*>(frame.columns[0].data), 3);
  bytes.push_back(0);
  EXPECT_FALSE(decoder.decode_record(bytes.data(), bytes.size(), frame));
  EXPECT_FALSE(decoder.decode_record(bytes.data(), 0, frame));
}

// A record of kGrid's stream: step, time 0, `a` (int16) and `b` (float64)
// each a scalar, or an array of the given values.
const Config kGridConfig =
    parse_config(R"({"streams":{"g":{"columns":{"a":"int16","b":"float64"},"grid":[2,3],"route":"realtime"}}})");
const StreamConfig& kGrid = kGridConfig.streams[0];

void append_column(Bytes& out, bool scalar, const std::vector<double>& values, bool is_float) {
  append_long(out, scalar ? 0 : 1);
  if (!scalar) append_long(out, static_cast<int64_t>(values.size()));
  for (double v : values) {
    if (is_float) append_double(out, v);
    else append_long(out, static_cast<int64_t>(v));
  }
  if (!scalar && !values.empty()) append_long(out, 0);
}

Bytes grid_record(int64_t step, bool a_scalar, const std::vector<double>& a, bool b_scalar,
                  const std::vector<double>& b) {
  Bytes out;
  append_long(out, step);
  append_double(out, 0);
  append_column(out, a_scalar, a, false);
  append_column(out, b_scalar, b, true);
  return out;
}

uint64_t rows_of(const Bytes& bytes, uint64_t grid_rows, bool& ok) {
  FrameDecoder decoder(kGrid);
  DecodedFrame frame;
  uint64_t rows = 0;
  ok = decoder.decode_record(bytes.data(), bytes.size(), frame) && frame_rows(frame, grid_rows, rows);
  return rows;
}

TEST(FrameDecoder, rows_are_the_arrays_length_else_the_grid_else_one) {
  bool ok = false;
  EXPECT_EQ(rows_of(grid_record(1, false, {1, 2, 3}, false, {4, 5, 6}), 6, ok), 3u);
  EXPECT_TRUE(ok);
  EXPECT_EQ(rows_of(grid_record(1, true, {-7}, false, {4, 5}), 6, ok), 2u);
  EXPECT_TRUE(ok);
  EXPECT_EQ(rows_of(grid_record(1, false, {}, true, {1.5}), 6, ok), 0u);
  EXPECT_TRUE(ok);
  EXPECT_EQ(rows_of(grid_record(1, true, {-7}, true, {1.5}), 6, ok), 6u);
  EXPECT_TRUE(ok);
  EXPECT_EQ(rows_of(grid_record(1, true, {-7}, true, {1.5}), 0, ok), 1u);
  EXPECT_TRUE(ok);
  rows_of(grid_record(1, false, {1, 2}, false, {4, 5, 6}), 6, ok);
  EXPECT_FALSE(ok) << "arrays that disagree in length are a malformed record";
  FrameDecoder decoder(kStream);  // record(): an i64 array of 3, an f32 array of 2
  DecodedFrame frame;
  const Bytes bytes = record(1, 2);
  ASSERT_TRUE(decoder.decode_record(bytes.data(), bytes.size(), frame));
  uint64_t rows = 0;
  EXPECT_FALSE(frame_rows(frame, 0, rows));
}

TEST(FrameDecoder, a_kept_frame_outlives_the_next_record_bit_for_bit) {
  FrameDecoder decoder(kGrid);
  DecodedFrame frame;
  const double nan_bits_value = std::numeric_limits<double>::quiet_NaN();
  const Bytes first = grid_record(5, false, {-32768, 32767}, false, {-0.0, nan_bits_value});
  ASSERT_TRUE(decoder.decode_record(first.data(), first.size(), frame));
  KeptFrame kept;
  keep_frame(frame, 2, kept);
  const Bytes second = grid_record(6, true, {1}, true, {2.5});
  ASSERT_TRUE(decoder.decode_record(second.data(), second.size(), frame));
  EXPECT_EQ(kept.step, 5);
  EXPECT_EQ(kept.time, 0.0);
  EXPECT_EQ(kept.rows, 2u);
  ASSERT_EQ(kept.values.size(), 2u);
  EXPECT_FALSE(kept.is_scalar[0]);
  EXPECT_FALSE(kept.is_scalar[1]);
  int16_t a[2];
  std::memcpy(a, kept.values[0].data(), sizeof a);
  EXPECT_EQ(a[0], -32768);
  EXPECT_EQ(a[1], 32767);
  uint64_t b[2];
  std::memcpy(b, kept.values[1].data(), sizeof b);
  uint64_t want[2];
  const double want_values[2] = {-0.0, nan_bits_value};
  std::memcpy(want, want_values, sizeof want);
  EXPECT_EQ(b[0], want[0]);
  EXPECT_EQ(b[1], want[1]);
  keep_frame(frame, 6, kept);
  EXPECT_TRUE(kept.is_scalar[0]);
  EXPECT_EQ(*reinterpret_cast<const int16_t*>(kept.values[0].data()), 1);
  EXPECT_EQ(*reinterpret_cast<const double*>(kept.values[1].data()), 2.5);
}

}  // namespace
}  // namespace simingest::storage::avro
