#include "parquet/delta_binary_packed_encoder.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

namespace simingest::parquet {
namespace {

using Bytes = std::vector<uint8_t>;

// A decoder written from Encodings.md (not from the encoder), to check
// round trips and the structural rules.
struct DeltaDecoded {
  std::vector<uint64_t> values;  // as unsigned bits of the physical width
  std::vector<int> widths;       // every miniblock width byte seen
  std::size_t consumed = 0;
};

DeltaDecoded decode(const Bytes& in, int physical_bits) {
  std::size_t pos = 0;
  auto varint = [&]() {
    uint64_t r = 0;
    int shift = 0;
    while (true) {
      if (pos >= in.size()) throw std::runtime_error("truncated");
      const uint8_t b = in[pos++];
      r |= static_cast<uint64_t>(b & 0x7F) << shift;
      shift += 7;
      if (!(b & 0x80)) return r;
    }
  };
  auto zigzag = [&]() {
    const uint64_t v = varint();
    return static_cast<uint64_t>(static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1));
  };
  const uint64_t mask = physical_bits == 64 ? ~0ull : (1ull << physical_bits) - 1;
  DeltaDecoded out;
  const uint64_t block = varint(), miniblocks = varint(), total = varint();
  uint64_t value = zigzag() & mask;
  const uint64_t per_mini = block / miniblocks;
  if (total > 0) out.values.push_back(value);
  while (out.values.size() < total) {
    const uint64_t min_delta = zigzag();
    std::vector<int> widths;
    for (uint64_t m = 0; m < miniblocks; ++m) widths.push_back(in.at(pos++));
    for (uint64_t m = 0; m < miniblocks && out.values.size() < total; ++m) {
      out.widths.push_back(widths[m]);
      const int w = widths[m];
      // Read per_mini values of w bits LSB first.
      uint64_t bitpos = 0;
      const std::size_t start = pos;
      for (uint64_t k = 0; k < per_mini; ++k) {
        unsigned __int128 acc = 0;
        for (int b = 0; b < w; ++b, ++bitpos) {
          const uint64_t byte = in.at(start + bitpos / 8);
          acc |= static_cast<unsigned __int128>((byte >> (bitpos % 8)) & 1) << b;
        }
        if (out.values.size() < total) {
          value = (value + min_delta + static_cast<uint64_t>(acc)) & mask;
          out.values.push_back(value);
        }
      }
      pos = start + per_mini * static_cast<uint64_t>(w) / 8;
    }
  }
  out.consumed = pos;
  return out;
}

TEST(ParquetDeltaBinaryPacked, constant_step_sequence_is_header_plus_zero_width_block) {
  // Encodings.md example 1 with our block of 128 / 4 miniblocks:
  // header 128 (0x80 0x01), 4, 5 values, first value zigzag(1) = 2;
  // block: min delta zigzag(1) = 2, widths 0 0 0 0, no miniblock bytes.
  const int32_t values[] = {1, 2, 3, 4, 5};
  Bytes out;
  encode_delta_binary_packed(values, 5, out);
  EXPECT_EQ(out, (Bytes{0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00}));
}

TEST(ParquetDeltaBinaryPacked, spec_example_two_packs_relative_deltas_in_two_bits) {
  // 7,5,3,1,2,3,4,5: deltas -2,-2,-2,1,1,1,1; min -2 (zigzag 3); relative
  // 0,0,0,3,3,3,3 in 2 bits LSB first: 0xC0 0x3F, then zeros to fill the
  // 32-value miniblock (8 bytes in all).
  const int64_t values[] = {7, 5, 3, 1, 2, 3, 4, 5};
  Bytes out;
  encode_delta_binary_packed(values, 8, out);
  EXPECT_EQ(out, (Bytes{0x80, 0x01, 0x04, 0x08, 0x0E,     // header, first value 7
                        0x03, 0x02, 0x00, 0x00, 0x00,     // min delta -2, widths
                        0xC0, 0x3F, 0, 0, 0, 0, 0, 0}));  // miniblock 0
}

TEST(ParquetDeltaBinaryPacked, zero_and_one_values_are_header_only) {
  Bytes out;
  encode_delta_binary_packed(static_cast<const int32_t*>(nullptr), 0, out);
  EXPECT_EQ(out, (Bytes{0x80, 0x01, 0x04, 0x00, 0x00}));
  out.clear();
  const int32_t one = -3;
  encode_delta_binary_packed(&one, 1, out);
  EXPECT_EQ(out, (Bytes{0x80, 0x01, 0x04, 0x01, 0x05}));
}

TEST(ParquetDeltaBinaryPacked, int64_extremes_round_trip_with_wrapping_deltas) {
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> values;
  for (int i = 0; i < 1000; ++i) {
    const int64_t pattern[] = {lo, hi, 0, -1, lo, lo + 1, hi, 1, static_cast<int64_t>(i) * 977};
    values.push_back(pattern[i % 9]);
  }
  Bytes out;
  encode_delta_binary_packed(values.data(), values.size(), out);
  const DeltaDecoded d = decode(out, 64);
  EXPECT_EQ(d.consumed, out.size());
  ASSERT_EQ(d.values.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) ASSERT_EQ(d.values[i], static_cast<uint64_t>(values[i])) << i;
  for (int w : d.widths) EXPECT_LE(w, 64);
}

TEST(ParquetDeltaBinaryPacked, int32_deltas_wrap_at_32_bits_and_never_need_more) {
  const int32_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  std::vector<int32_t> values;
  for (int i = 0; i < 777; ++i) values.push_back(i % 2 ? lo : hi);  // uint32 0x80000000 / 0x7FFFFFFF
  values.push_back(-1);  // uint32 max
  Bytes out;
  encode_delta_binary_packed(values.data(), values.size(), out);
  const DeltaDecoded d = decode(out, 32);
  EXPECT_EQ(d.consumed, out.size());
  ASSERT_EQ(d.values.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    ASSERT_EQ(d.values[i], static_cast<uint32_t>(values[i])) << i;
  for (int w : d.widths) EXPECT_LE(w, 32);
}

TEST(ParquetDeltaBinaryPacked, partial_last_block_keeps_all_width_bytes_but_no_unused_miniblocks) {
  std::vector<int32_t> values(1 + 128 + 40);  // one full block, then 40 deltas: 2 of 4 miniblocks
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int32_t>((i * 37) % 101);
  Bytes out;
  encode_delta_binary_packed(values.data(), values.size(), out);
  const DeltaDecoded d = decode(out, 32);
  EXPECT_EQ(d.consumed, out.size());  // nothing after the second miniblock of block 2
  EXPECT_EQ(d.widths.size(), 4u + 2u);
  ASSERT_EQ(d.values.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) ASSERT_EQ(d.values[i], static_cast<uint32_t>(values[i]));
}

TEST(ParquetDeltaBinaryPacked, lengths_around_block_boundaries_round_trip) {
  for (std::size_t n : {2u, 31u, 32u, 33u, 127u, 128u, 129u, 130u, 256u, 257u, 1000u}) {
    std::vector<int64_t> values(n);
    for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<int64_t>(i * i) - 5000;
    Bytes out;
    encode_delta_binary_packed(values.data(), n, out);
    const DeltaDecoded d = decode(out, 64);
    ASSERT_EQ(d.consumed, out.size()) << n;
    ASSERT_EQ(d.values.size(), n);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(d.values[i], static_cast<uint64_t>(values[i])) << n;
  }
}

}  // namespace
}  // namespace simingest::parquet
