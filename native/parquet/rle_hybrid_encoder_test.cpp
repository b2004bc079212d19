// Expected bytes from Encodings.md, "Run Length Encoding / Bit-Packing Hybrid":
// rle-run = varint(len << 1), then the value in ceil(width / 8) bytes LE;
// bit-packed-run = varint(groups << 1 | 1), then groups * 8 values packed
// LSB first (width 3, values 0..7 -> 0x88 0xC6 0xFA, the spec's example).
#include "parquet/rle_hybrid_encoder.hpp"

#include <gtest/gtest.h>

namespace simingest::parquet {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(ParquetRleHybrid, long_repeat_is_one_rle_run) {
  Bytes out;
  RleHybridEncoder e;
  e.reset(1, &out);
  e.put(0, 1000);  // 1000 << 1 = 2000 = 0x7D0 -> varint 0xD0 0x0F
  e.finish();
  EXPECT_EQ(out, (Bytes{0xD0, 0x0F, 0x00}));
}

TEST(ParquetRleHybrid, distinct_values_are_bit_packed_lsb_first) {
  Bytes out;
  RleHybridEncoder e;
  e.reset(3, &out);
  for (uint32_t v = 0; v < 8; ++v) e.put(v, 1);
  e.finish();
  EXPECT_EQ(out, (Bytes{0x03, 0x88, 0xC6, 0xFA}));
}

TEST(ParquetRleHybrid, short_run_fills_its_group_before_a_long_run) {
  Bytes out;
  RleHybridEncoder e;
  e.reset(2, &out);
  e.put(1, 3);
  e.put(2, 20);
  e.finish();
  // Group: 1,1,1,2,2,2,2,2 -> 0b10'01'01'01 = 0x95, 0b10'10'10'10 = 0xAA;
  // then 15 more 2s as an RLE run: 30 = 0x1E, value 0x02.
  EXPECT_EQ(out, (Bytes{0x03, 0x95, 0xAA, 0x1E, 0x02}));
}

TEST(ParquetRleHybrid, consecutive_puts_of_one_value_merge_into_one_run) {
  Bytes out;
  RleHybridEncoder e;
  e.reset(3, &out);
  e.put(5, 4);
  e.put(5, 4);  // together 8: an RLE run (8 << 1 = 0x10)
  e.finish();
  EXPECT_EQ(out, (Bytes{0x10, 0x05}));
}

TEST(ParquetRleHybrid, wide_values_take_whole_bytes_in_rle_runs) {
  Bytes out;
  RleHybridEncoder e;
  e.reset(9, &out);
  e.put(0x1FF, 8);
  e.finish();
  EXPECT_EQ(out, (Bytes{0x10, 0xFF, 0x01}));
}

TEST(ParquetRleHybrid, last_group_is_padded_with_zeros) {
  Bytes out;
  RleHybridEncoder e;
  e.reset(1, &out);
  e.put(1, 1);
  e.put(0, 1);
  e.put(1, 1);
  e.finish();
  EXPECT_EQ(out, (Bytes{0x03, 0x05}));  // bits 1,0,1 then five 0s
}

TEST(ParquetRleHybrid, bit_packed_runs_stop_at_63_groups) {
  Bytes out;
  RleHybridEncoder e;
  e.reset(1, &out);
  for (int i = 0; i < 64 * 8; ++i) e.put(static_cast<uint32_t>(i & 1), 1);
  e.finish();
  // 63 groups (header 63 << 1 | 1 = 0x7F, 63 bytes of 0xAA), then 1 group.
  ASSERT_EQ(out.size(), 1u + 63 + 1 + 1);
  EXPECT_EQ(out[0], 0x7F);
  EXPECT_EQ(out[1], 0xAA);
  EXPECT_EQ(out[64], 0x03);
  EXPECT_EQ(out[65], 0xAA);
}

}  // namespace
}  // namespace simingest::parquet
