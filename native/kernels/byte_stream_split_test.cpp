#include "kernels/byte_stream_split.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace simingest::kernels {
namespace {

using Bytes = std::vector<uint8_t>;

// Encodings.md: with K-byte values, stream k holds byte k of each value.
// Values A = a0 a1 a2 a3 and B = b0 b1 b2 b3 -> a0 b0 | a1 b1 | a2 b2 | a3 b3.
TEST(ByteStreamSplitKernel, scatters_byte_k_of_each_value_into_stream_k) {
  const Bytes values = {0x10, 0x11, 0x12, 0x13, 0x20, 0x21, 0x22, 0x23};
  Bytes streams(8, 0xEE);
  byte_stream_split_scatter(values.data(), 2, 4, streams.data(), 2, 0);
  EXPECT_EQ(streams, (Bytes{0x10, 0x20, 0x11, 0x21, 0x12, 0x22, 0x13, 0x23}));
}

TEST(ByteStreamSplitKernel, pieces_written_at_an_offset_land_in_every_stream) {
  // A page of 3 eight-byte values built from one array piece (values 0 and 1
  // of the page) then one scalar piece (value 2).
  Bytes values(16);
  for (int i = 0; i < 16; ++i) values[i] = static_cast<uint8_t>(i);
  const Bytes scalar = {0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7};
  Bytes streams(24, 0xEE);
  byte_stream_split_scatter(values.data(), 2, 8, streams.data(), 3, 0);
  byte_stream_split_fill(scalar.data(), 1, 8, streams.data(), 3, 2);
  Bytes expected;
  for (int k = 0; k < 8; ++k) {
    expected.push_back(static_cast<uint8_t>(k));
    expected.push_back(static_cast<uint8_t>(8 + k));
    expected.push_back(static_cast<uint8_t>(0xA0 + k));
  }
  EXPECT_EQ(streams, expected);
}

TEST(ByteStreamSplitKernel, fill_repeats_one_value) {
  const Bytes value = {1, 2, 3, 4};
  Bytes streams(12, 0);
  byte_stream_split_fill(value.data(), 3, 4, streams.data(), 3, 0);
  EXPECT_EQ(streams, (Bytes{1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4}));
}

TEST(ByteStreamSplitKernel, odd_widths_use_the_generic_path) {
  const Bytes values = {1, 2, 3, 4, 5, 6};  // two 3-byte values
  Bytes streams(6, 0);
  byte_stream_split_scatter(values.data(), 2, 3, streams.data(), 2, 0);
  EXPECT_EQ(streams, (Bytes{1, 4, 2, 5, 3, 6}));
}

TEST(ByteStreamSplitKernel, gather_inverts_scatter) {
  Bytes values(8 * 37);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<uint8_t>(i * 7 + 3);
  Bytes streams(values.size()), back(values.size());
  byte_stream_split_scatter(values.data(), 37, 8, streams.data(), 37, 0);
  EXPECT_NE(streams, values);
  byte_stream_split_gather(streams.data(), 37, 8, back.data());
  EXPECT_EQ(back, values);
}

}  // namespace
}  // namespace simingest::kernels

namespace simingest::kernels {
namespace {

// Each SIMD level writes exactly the bytes the scalar twin writes, for
// pieces of a page at any position, any length (tails) and any alignment of
// the values and of the streams; bytes outside the piece stay untouched.
TEST(ByteStreamSplitKernel, every_level_scatters_like_the_scalar_twin) {
  std::vector<SimdLevel> levels;
  for (SimdLevel level : {SimdLevel::sse, SimdLevel::avx2})
    if (level <= detected_simd_level()) levels.push_back(level);
  if (levels.empty()) GTEST_SKIP() << "no SIMD level on this CPU";
  std::mt19937_64 random(31);
  for (std::size_t width : {std::size_t{4}, std::size_t{8}}) {
    for (std::size_t count = 0; count <= 300; ++count) {
      Bytes values(count * width + 64);
      for (auto& b : values) b = static_cast<uint8_t>(random());
      const std::size_t value_offset = random() % 64;
      const std::size_t first = random() % 5;
      const std::size_t stream_length = first + count + random() % 3;
      const std::size_t stream_offset = random() % 64;
      Bytes want(stream_length * width + 64, 0x5A);
      byte_stream_split_scatter_at(SimdLevel::scalar, values.data() + value_offset, count, width,
                                   want.data() + stream_offset, stream_length, first);
      for (SimdLevel level : levels) {
        Bytes got(want.size(), 0x5A);
        byte_stream_split_scatter_at(level, values.data() + value_offset, count, width, got.data() + stream_offset,
                                     stream_length, first);
        ASSERT_EQ(got, want) << simd_level_name(level) << " width " << width << " count " << count;
      }
    }
  }
}

// The vector gather (16 values a step) against the format's definition,
// byte k of value i = stream k at i, for every tail length and odd widths.
TEST(ByteStreamSplitKernel, gather_matches_the_definition_for_every_count_and_width) {
  std::mt19937_64 random(47);
  for (std::size_t width : {std::size_t{1}, std::size_t{2}, std::size_t{4}, std::size_t{8}}) {
    for (std::size_t count = 0; count <= 70; ++count) {
      Bytes streams(count * width);
      for (auto& b : streams) b = static_cast<uint8_t>(random());
      Bytes got(count * width + 1, 0x5A);
      byte_stream_split_gather(streams.data(), count, width, got.data());
      for (std::size_t i = 0; i < count; ++i)
        for (std::size_t k = 0; k < width; ++k)
          ASSERT_EQ(got[i * width + k], streams[k * count + i]) << "width " << width << " count " << count;
      EXPECT_EQ(got.back(), 0x5A);  // nothing written past the values
    }
  }
}

TEST(ByteStreamSplitKernel, dispatched_scatter_round_trips_through_gather) {
  Bytes values(4 * 1001);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<uint8_t>(i * 31 + i / 7);
  Bytes streams(values.size()), back(values.size());
  byte_stream_split_scatter(values.data(), 1001, 4, streams.data(), 1001, 0);
  for (std::size_t i = 0; i < 1001; ++i) ASSERT_EQ(streams[2 * 1001 + i], values[4 * i + 2]) << i;
  byte_stream_split_gather(streams.data(), 1001, 4, back.data());
  EXPECT_EQ(back, values);
}

}  // namespace
}  // namespace simingest::kernels
