#include "parquet/chunk_statistics.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace simingest::parquet {
namespace {

template <class T>
uint64_t bits(T v) {
  uint64_t b = 0;
  std::memcpy(&b, &v, sizeof v);
  return b;
}

std::string le(uint64_t v, std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

ColumnStats stats(uint64_t min, uint64_t max, uint64_t nans = 0) {
  ColumnStats s;
  s.has_min_max = true;
  s.min_bits = min;
  s.max_bits = max;
  s.nan_count = nans;
  return s;
}

TEST(ParquetChunkStatistics, zero_min_is_negative_zero_and_zero_max_is_positive_zero) {
  const auto s = chunk_statistics(Dtype::float64, stats(bits(0.0), bits(-0.0)));
  EXPECT_EQ(*s.min_value, le(bits(-0.0), 8));
  EXPECT_EQ(*s.max_value, le(bits(0.0), 8));
  const auto f = chunk_statistics(Dtype::float32, stats(bits(0.0f), bits(-0.0f)));
  EXPECT_EQ(*f.min_value, le(bits(-0.0f), 4));
  EXPECT_EQ(*f.max_value, le(bits(0.0f), 4));
  // Non-zero bounds are left alone.
  const auto g = chunk_statistics(Dtype::float32, stats(bits(-1.5f), bits(2.0f)));
  EXPECT_EQ(*g.min_value, le(bits(-1.5f), 4));
  EXPECT_EQ(*g.max_value, le(bits(2.0f), 4));
}

TEST(ParquetChunkStatistics, floats_always_carry_nan_count_and_legacy_fields) {
  const auto s = chunk_statistics(Dtype::float32, stats(bits(1.0f), bits(2.0f), 3));
  EXPECT_EQ(s.nan_count, 3);
  EXPECT_EQ(s.null_count, 0);
  EXPECT_EQ(s.min, s.min_value);
  EXPECT_EQ(s.max, s.max_value);
  EXPECT_EQ(s.is_min_value_exact, true);
}

TEST(ParquetChunkStatistics, all_nan_chunk_has_no_bounds) {
  ColumnStats all_nan;
  all_nan.nan_count = 5;
  const auto s = chunk_statistics(Dtype::float64, all_nan);
  EXPECT_EQ(s.nan_count, 5);
  EXPECT_EQ(s.null_count, 0);
  EXPECT_FALSE(s.min_value || s.max_value || s.min || s.max);
}

TEST(ParquetChunkStatistics, unsigned_columns_omit_signed_order_legacy_fields) {
  const auto s = chunk_statistics(Dtype::uint64, stats(1, ~0ull));
  EXPECT_FALSE(s.min || s.max);
  EXPECT_EQ(*s.min_value, le(1, 8));
  EXPECT_EQ(*s.max_value, le(~0ull, 8));
  EXPECT_FALSE(s.nan_count);
  const auto u8 = chunk_statistics(Dtype::uint8, stats(0, 0xFF));
  EXPECT_EQ(*u8.max_value, le(0xFF, 4));  // zero-extended INT32
  EXPECT_FALSE(u8.max);
}

TEST(ParquetChunkStatistics, small_signed_integers_are_sign_extended) {
  const auto s = chunk_statistics(Dtype::int8, stats(0x80, 0x7F));  // -128, 127
  EXPECT_EQ(*s.min_value, le(0xFFFFFF80u, 4));
  EXPECT_EQ(*s.max_value, le(0x7F, 4));
  EXPECT_EQ(s.min, s.min_value);
  EXPECT_EQ(s.max, s.max_value);
}

}  // namespace
}  // namespace simingest::parquet
