// FrameDecoder: a record decodes back to the dtypes it was written from, bit
// for bit (scalars, arrays, arrays in several Avro blocks), and an integer
// outside its column's dtype or bytes that end early are a malformed record.
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

}  // namespace
}  // namespace simingest::storage::avro
