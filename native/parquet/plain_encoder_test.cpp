#include "parquet/plain_encoder.hpp"

#include <gtest/gtest.h>

namespace simingest::parquet {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(ParquetPlainEncoder, expands_scalars_and_widens_across_segments) {
  const int8_t a[] = {1, -1};
  const int8_t s = -2;
  const int8_t b[] = {3};
  const ValueSegment segments[] = {{a, 2, false}, {&s, 2, true}, {b, 1, false}};
  SegmentCursor cursor(segments, 3, 1);
  Bytes out;
  encode_plain(Dtype::int8, cursor, 3, out);  // a page ending inside the scalar segment
  encode_plain(Dtype::int8, cursor, 2, out);
  EXPECT_EQ(out, (Bytes{1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF,
                        0xFE, 0xFF, 0xFF, 0xFF, 3, 0, 0, 0}));
}

TEST(ParquetPlainEncoder, doubles_are_copied_as_they_are) {
  const double v[] = {1.0, -0.0};
  const ValueSegment segment{v, 2, false};
  SegmentCursor cursor(&segment, 1, 8);
  Bytes out;
  encode_plain(Dtype::float64, cursor, 2, out);
  EXPECT_EQ(out, (Bytes{0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0x80}));
}

}  // namespace
}  // namespace simingest::parquet
