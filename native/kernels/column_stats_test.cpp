// ColumnStats end to end: the scan (compute_column_stats) together with the
// core operations on its result (merge, compare, load).
#include "core/column_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/column_stats_kernel.hpp"

namespace simingest {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();

// Bits of a value as ColumnStats keeps them (zero-extended), computed here
// independently of the code under test.
uint64_t bits(float v) { uint32_t u; std::memcpy(&u, &v, 4); return u; }
uint64_t bits(double v) { uint64_t u; std::memcpy(&u, &v, 8); return u; }

template <typename T>
ColumnStats stats_of(Dtype dtype, const std::vector<T>& values) {
  return compute_column_stats(dtype, values.data(), values.size());
}

TEST(ColumnStats, empty_column_has_no_min_max_and_no_nans) {
  const ColumnStats stats = compute_column_stats(Dtype::float64, nullptr, 0);
  EXPECT_FALSE(stats.has_min_max);
  EXPECT_EQ(stats.nan_count, 0u);
}

TEST(ColumnStats, finds_min_and_max_of_int32) {
  const auto stats = stats_of<int32_t>(Dtype::int32, {5, -7, 12, 0, 3});
  ASSERT_TRUE(stats.has_min_max);
  EXPECT_EQ(stats.min_bits, 0xFFFFFFF9u);  // -7, zero-extended
  EXPECT_EQ(stats.max_bits, 12u);
  EXPECT_EQ(stats.nan_count, 0u);
}

TEST(ColumnStats, compares_int8_signed_and_keeps_one_byte_of_bits) {
  const auto stats = stats_of<int8_t>(Dtype::int8, {5, -128, 127, -1});
  EXPECT_EQ(stats.min_bits, 0x80u);
  EXPECT_EQ(stats.max_bits, 0x7Fu);
}

TEST(ColumnStats, compares_int16_and_int64_signed) {
  const auto s16 = stats_of<int16_t>(Dtype::int16, {-1, 1});
  EXPECT_EQ(s16.min_bits, 0xFFFFu);
  EXPECT_EQ(s16.max_bits, 1u);
  const auto s64 = stats_of<int64_t>(Dtype::int64, {std::numeric_limits<int64_t>::max(), -2, 0});
  EXPECT_EQ(s64.min_bits, 0xFFFFFFFFFFFFFFFEu);
  EXPECT_EQ(s64.max_bits, 0x7FFFFFFFFFFFFFFFu);
}

TEST(ColumnStats, compares_unsigned_values_unsigned) {
  const auto s8 = stats_of<uint8_t>(Dtype::uint8, {3, 200, 128});
  EXPECT_EQ(s8.min_bits, 3u);
  EXPECT_EQ(s8.max_bits, 200u);
  const auto s16 = stats_of<uint16_t>(Dtype::uint16, {0x8000, 1});
  EXPECT_EQ(s16.min_bits, 1u);
  EXPECT_EQ(s16.max_bits, 0x8000u);
  const auto s32 = stats_of<uint32_t>(Dtype::uint32, {0xFFFFFFFFu, 0, 7});
  EXPECT_EQ(s32.min_bits, 0u);
  EXPECT_EQ(s32.max_bits, 0xFFFFFFFFu);
  const auto s64 = stats_of<uint64_t>(Dtype::uint64, {1, (uint64_t{1} << 63) + 1, 9});
  EXPECT_EQ(s64.min_bits, 1u);
  EXPECT_EQ(s64.max_bits, (uint64_t{1} << 63) + 1);
}

TEST(ColumnStats, float_nan_is_counted_and_never_min_or_max) {
  const auto stats = stats_of<float>(Dtype::float32, {kNaNf, 2.5f, kNaNf, -1.0f, kNaNf});
  ASSERT_TRUE(stats.has_min_max);
  EXPECT_EQ(stats.min_bits, bits(-1.0f));
  EXPECT_EQ(stats.max_bits, bits(2.5f));
  EXPECT_EQ(stats.nan_count, 3u);
}

TEST(ColumnStats, all_nan_column_has_no_min_max) {
  const auto stats = stats_of<double>(Dtype::float64, {kNaN, -kNaN, kNaN});
  EXPECT_FALSE(stats.has_min_max);
  EXPECT_EQ(stats.nan_count, 3u);
}

TEST(ColumnStats, infinities_are_min_and_max) {
  const double inf = std::numeric_limits<double>::infinity();
  const auto stats = stats_of<double>(Dtype::float64, {1.0, inf, kNaN, -inf, 0.0});
  EXPECT_EQ(stats.min_bits, bits(-inf));
  EXPECT_EQ(stats.max_bits, bits(inf));
  EXPECT_EQ(stats.nan_count, 1u);
}

TEST(ColumnStats, min_of_both_zeros_is_negative_and_max_positive_in_either_order) {
  const auto negative_first = stats_of<double>(Dtype::float64, {-0.0, 0.0});
  EXPECT_EQ(negative_first.min_bits, bits(-0.0));
  EXPECT_EQ(negative_first.max_bits, bits(0.0));
  const auto positive_first = stats_of<float>(Dtype::float32, {0.0f, -0.0f});
  EXPECT_EQ(positive_first.min_bits, bits(-0.0f));
  EXPECT_EQ(positive_first.max_bits, bits(0.0f));
  const auto only_negative = stats_of<float>(Dtype::float32, {-0.0f, -0.0f});
  EXPECT_EQ(only_negative.min_bits, bits(-0.0f));
  EXPECT_EQ(only_negative.max_bits, bits(-0.0f));
}

TEST(ColumnStats, float_min_max_are_numeric_not_bitwise) {
  // Negative floats have larger bit patterns than positive ones.
  const auto stats = stats_of<float>(Dtype::float32, {-3.0f, 1.0f, -0.5f});
  EXPECT_EQ(stats.min_bits, bits(-3.0f));
  EXPECT_EQ(stats.max_bits, bits(1.0f));
}

template <typename T>
void expect_unaligned_stats(Dtype dtype, std::vector<T> values, T min, T max) {
  for (std::size_t offset = 1; offset < 8; ++offset) {
    std::vector<unsigned char> buffer(offset + values.size() * sizeof(T));
    std::memcpy(buffer.data() + offset, values.data(), values.size() * sizeof(T));
    const ColumnStats stats = compute_column_stats(dtype, buffer.data() + offset, values.size());
    ASSERT_TRUE(stats.has_min_max);
    T got_min, got_max;
    std::memcpy(&got_min, &stats.min_bits, sizeof(T));  // little-endian: low bytes first
    std::memcpy(&got_max, &stats.max_bits, sizeof(T));
    EXPECT_EQ(got_min, min) << "offset " << offset;
    EXPECT_EQ(got_max, max) << "offset " << offset;
  }
}

TEST(ColumnStats, reads_every_dtype_at_any_alignment) {
  expect_unaligned_stats<float>(Dtype::float32, {2.f, -1.f, 3.f}, -1.f, 3.f);
  expect_unaligned_stats<double>(Dtype::float64, {2., -1., 3.}, -1., 3.);
  expect_unaligned_stats<int8_t>(Dtype::int8, {2, -1, 3}, -1, 3);
  expect_unaligned_stats<int16_t>(Dtype::int16, {2, -1, 3}, -1, 3);
  expect_unaligned_stats<int32_t>(Dtype::int32, {2, -1, 3}, -1, 3);
  expect_unaligned_stats<int64_t>(Dtype::int64, {2, -1, 3}, -1, 3);
  expect_unaligned_stats<uint8_t>(Dtype::uint8, {2, 255, 3}, 2, 255);
  expect_unaligned_stats<uint16_t>(Dtype::uint16, {2, 65535, 3}, 2, 65535);
  expect_unaligned_stats<uint32_t>(Dtype::uint32, {2, 4000000000u, 3}, 2, 4000000000u);
  expect_unaligned_stats<uint64_t>(Dtype::uint64, {2, ~uint64_t{0}, 3}, 2, ~uint64_t{0});
}

TEST(ColumnStats, single_value_is_both_min_and_max) {
  const auto stats = stats_of<int32_t>(Dtype::int32, {42});
  EXPECT_TRUE(stats.has_min_max);
  EXPECT_EQ(stats.min_bits, 42u);
  EXPECT_EQ(stats.max_bits, 42u);
}

TEST(ColumnStats, scalar_repeated_value_is_min_and_max) {
  const int16_t value = -2;
  const auto stats = scalar_column_stats(Dtype::int16, &value, 1000);
  EXPECT_TRUE(stats.has_min_max);
  EXPECT_EQ(stats.min_bits, 0xFFFEu);
  EXPECT_EQ(stats.max_bits, 0xFFFEu);
  EXPECT_EQ(stats.nan_count, 0u);
}

TEST(ColumnStats, scalar_nan_counts_every_row) {
  const float value = kNaNf;
  const auto stats = scalar_column_stats(Dtype::float32, &value, 512);
  EXPECT_FALSE(stats.has_min_max);
  EXPECT_EQ(stats.nan_count, 512u);
}

TEST(ColumnStats, compares_float_bits_numerically_with_zeros_equal) {
  EXPECT_EQ(compare_value_bits(Dtype::float64, bits(-0.0), bits(0.0)), 0);
  EXPECT_EQ(compare_value_bits(Dtype::float32, bits(-2.0f), bits(1.0f)), -1);
  EXPECT_EQ(compare_value_bits(Dtype::float32, bits(1.0f), bits(-2.0f)), 1);
  EXPECT_EQ(compare_value_bits(Dtype::float64, bits(1.5), bits(1.5)), 0);
}

TEST(ColumnStats, compares_integer_bits_by_signedness) {
  EXPECT_EQ(compare_value_bits(Dtype::int8, 0xFF, 0x01), -1);   // -1 < 1
  EXPECT_EQ(compare_value_bits(Dtype::uint8, 0xFF, 0x01), 1);   // 255 > 1
  EXPECT_EQ(compare_value_bits(Dtype::int64, ~uint64_t{0}, 0), -1);
  EXPECT_EQ(compare_value_bits(Dtype::uint64, ~uint64_t{0}, 0), 1);
  EXPECT_EQ(compare_value_bits(Dtype::int32, 7, 7), 0);
}

TEST(ColumnStats, loads_value_bits_zero_extended_from_any_alignment) {
  unsigned char buffer[16] = {};
  const int8_t minus_one = -1;
  std::memcpy(buffer + 3, &minus_one, 1);
  EXPECT_EQ(load_value_bits(Dtype::int8, buffer + 3), 0xFFu);
  const double x = -1.25;
  std::memcpy(buffer + 5, &x, 8);
  EXPECT_EQ(load_value_bits(Dtype::float64, buffer + 5), bits(x));
  const float y = 3.5f;
  std::memcpy(buffer + 1, &y, 4);
  EXPECT_EQ(load_value_bits(Dtype::float32, buffer + 1), bits(y));
}

TEST(ColumnStats, merge_takes_the_wider_range_and_sums_nans) {
  auto left = stats_of<double>(Dtype::float64, {1.0, kNaN});
  const auto right = stats_of<double>(Dtype::float64, {-4.0, 9.0, kNaN, kNaN});
  left.merge(right, Dtype::float64);
  EXPECT_TRUE(left.has_min_max);
  EXPECT_EQ(left.min_bits, bits(-4.0));
  EXPECT_EQ(left.max_bits, bits(9.0));
  EXPECT_EQ(left.nan_count, 3u);
}

TEST(ColumnStats, merge_into_stats_without_min_max_takes_the_other_side) {
  auto left = stats_of<float>(Dtype::float32, {kNaNf});
  left.merge(stats_of<float>(Dtype::float32, {2.0f, 3.0f}), Dtype::float32);
  EXPECT_TRUE(left.has_min_max);
  EXPECT_EQ(left.min_bits, bits(2.0f));
  EXPECT_EQ(left.max_bits, bits(3.0f));
  EXPECT_EQ(left.nan_count, 1u);
}

TEST(ColumnStats, merge_of_stats_without_min_max_keeps_this_side) {
  auto left = stats_of<int32_t>(Dtype::int32, {-3, 8});
  left.merge(ColumnStats{}, Dtype::int32);
  EXPECT_EQ(left.min_bits, 0xFFFFFFFDu);
  EXPECT_EQ(left.max_bits, 8u);
  auto nan_only = ColumnStats{};
  nan_only.merge(stats_of<float>(Dtype::float32, {kNaNf, kNaNf}), Dtype::float32);
  EXPECT_FALSE(nan_only.has_min_max);
  EXPECT_EQ(nan_only.nan_count, 2u);
}

TEST(ColumnStats, merge_orders_negative_zero_below_positive_zero_like_the_scan) {
  auto left = stats_of<double>(Dtype::float64, {-0.0});
  left.merge(stats_of<double>(Dtype::float64, {0.0}), Dtype::float64);
  EXPECT_EQ(left.min_bits, bits(-0.0));
  EXPECT_EQ(left.max_bits, bits(0.0));
  auto right = stats_of<float>(Dtype::float32, {0.0f});
  right.merge(stats_of<float>(Dtype::float32, {-0.0f}), Dtype::float32);
  EXPECT_EQ(right.min_bits, bits(-0.0f));
  EXPECT_EQ(right.max_bits, bits(0.0f));
}

TEST(ColumnStats, merge_compares_signed_integers_signed) {
  auto left = stats_of<int8_t>(Dtype::int8, {3});
  left.merge(stats_of<int8_t>(Dtype::int8, {-5}), Dtype::int8);
  EXPECT_EQ(left.min_bits, 0xFBu);  // -5
  EXPECT_EQ(left.max_bits, 3u);
}

TEST(ColumnStats, merged_pieces_equal_stats_of_the_whole) {
  std::mt19937 random(1234);
  std::uniform_real_distribution<float> value(-100.f, 100.f);
  std::vector<float> data(1000);
  for (float& v : data) v = random() % 10 == 0 ? kNaNf : value(random);
  const ColumnStats whole = compute_column_stats(Dtype::float32, data.data(), data.size());
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{333}, data.size()}) {
    ColumnStats merged = compute_column_stats(Dtype::float32, data.data(), cut);
    merged.merge(compute_column_stats(Dtype::float32, data.data() + cut, data.size() - cut),
                 Dtype::float32);
    EXPECT_EQ(merged.has_min_max, whole.has_min_max) << cut;
    EXPECT_EQ(merged.min_bits, whole.min_bits) << cut;
    EXPECT_EQ(merged.max_bits, whole.max_bits) << cut;
    EXPECT_EQ(merged.nan_count, whole.nan_count) << cut;
  }
  // Independent reference for the whole column.
  float min = std::numeric_limits<float>::infinity(), max = -min;
  uint64_t nans = 0;
  for (float v : data) {
    if (std::isnan(v)) { ++nans; continue; }
    min = std::min(min, v);
    max = std::max(max, v);
  }
  EXPECT_EQ(whole.min_bits, bits(min));
  EXPECT_EQ(whole.max_bits, bits(max));
  EXPECT_EQ(whole.nan_count, nans);
}

}  // namespace
}  // namespace simingest
