#include "parquet/byte_stream_split_encoder.hpp"

#include <gtest/gtest.h>

namespace simingest::parquet {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(ParquetByteStreamSplitEncoder, page_from_array_and_scalar_segments) {
  // float32 1.0 = 00 00 80 3F, 2.0 = 00 00 00 40; scalar -0.0 = 00 00 00 80.
  const float a[] = {1.0f, 2.0f};
  const float s = -0.0f;
  const ValueSegment segments[] = {{a, 2, false}, {&s, 1, true}};
  SegmentCursor cursor(segments, 2, 4);
  Bytes out, scratch;
  encode_byte_stream_split(Dtype::float32, cursor, 3, out, scratch);
  EXPECT_EQ(out, (Bytes{0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0x3F, 0x40, 0x80}));
}

TEST(ParquetByteStreamSplitEncoder, small_integers_are_widened_before_splitting) {
  const uint16_t a[] = {0x0102, 0xFFFF};
  const ValueSegment segment{a, 2, false};
  SegmentCursor cursor(&segment, 1, 2);
  Bytes out, scratch;
  encode_byte_stream_split(Dtype::uint16, cursor, 2, out, scratch);
  EXPECT_EQ(out, (Bytes{0x02, 0xFF, 0x01, 0xFF, 0, 0, 0, 0}));
}

}  // namespace
}  // namespace simingest::parquet
