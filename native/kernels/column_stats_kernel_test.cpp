#include "kernels/column_stats_kernel.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernels/kernel_test_data.hpp"

namespace simingest::kernels {
namespace {

constexpr Dtype kAllDtypes[] = {Dtype::float32, Dtype::float64, Dtype::int8,   Dtype::int16,  Dtype::int32,
                                Dtype::int64,   Dtype::uint8,   Dtype::uint16, Dtype::uint32, Dtype::uint64};

void expect_same(const ColumnStats& got, const ColumnStats& want, const std::string& where) {
  EXPECT_EQ(got.has_min_max, want.has_min_max) << where;
  EXPECT_EQ(got.min_bits, want.min_bits) << where;
  EXPECT_EQ(got.max_bits, want.max_bits) << where;
  EXPECT_EQ(got.nan_count, want.nan_count) << where;
}

// Copies `bytes` to `offset` bytes past a 64-byte boundary and checks every
// SIMD level against the scalar twin there.
void expect_levels_equal_scalar(Dtype dtype, const std::vector<unsigned char>& bytes, std::size_t offset,
                                const std::string& what) {
  const std::size_t count = bytes.size() / dtype_size(dtype);
  std::vector<unsigned char> buffer(bytes.size() + 128);
  auto* start = buffer.data() + (64 - reinterpret_cast<uintptr_t>(buffer.data()) % 64) % 64 + offset;
  if (!bytes.empty()) std::memcpy(start, bytes.data(), bytes.size());
  const ColumnStats want = column_stats_kernel_at(SimdLevel::scalar, dtype, start, count);
  for (SimdLevel level : test_data::simd_levels()) {
    expect_same(column_stats_kernel_at(level, dtype, start, count), want,
                std::string(simd_level_name(level)) + " " + std::string(dtype_name(dtype)) + " " + what +
                    " count " + std::to_string(count) + " offset " + std::to_string(offset));
  }
}

TEST(ColumnStatsKernel, every_level_equals_scalar_on_random_and_special_values_of_every_dtype) {
  if (test_data::simd_levels().empty()) GTEST_SKIP() << "no SIMD level on this CPU";
  std::mt19937_64 random(20240611);
  for (Dtype dtype : kAllDtypes) {
    for (std::size_t count = 0; count <= 300; ++count) {
      const auto bytes = test_data::mixed_values(random, count, dtype_size(dtype), dtype_is_float(dtype));
      // Every start offset for short columns (all tails), a few for long ones.
      const bool every_offset = count <= 40 || count % 64 <= 1 || count % 64 == 63;
      for (std::size_t offset = 0; offset < 64; offset += every_offset ? 1 : 13)
        expect_levels_equal_scalar(dtype, bytes, offset, "mixed");
      if (HasFailure()) return;
    }
  }
}

// Columns of only a few distinct values make ties, including -0 against +0
// in every lane position, and columns where the only non-NaN is in the tail.
TEST(ColumnStatsKernel, every_level_equals_scalar_on_ties_zeros_and_mostly_nan_columns) {
  if (test_data::simd_levels().empty()) GTEST_SKIP() << "no SIMD level on this CPU";
  std::mt19937_64 random(7);
  const uint32_t f32[] = {0x00000000u, 0x80000000u, 0x7fc00000u, 0xff800001u, 0x00000001u};
  const uint64_t f64[] = {0, 0x8000000000000000ull, 0xfff8000000000000ull, 0x7ff0000000000001ull, 1};
  for (std::size_t count = 1; count <= 300; ++count) {
    std::vector<unsigned char> a(count * 4), b(count * 8);
    for (std::size_t i = 0; i < count; ++i) {
      std::memcpy(a.data() + 4 * i, &f32[random() % 5], 4);
      std::memcpy(b.data() + 8 * i, &f64[random() % 5], 8);
    }
    expect_levels_equal_scalar(Dtype::float32, a, count % 64, "ties");
    expect_levels_equal_scalar(Dtype::float64, b, count % 64, "ties");
    // All NaN but the last value.
    std::vector<unsigned char> c(count * 4), d(count * 8);
    for (std::size_t i = 0; i + 1 < count; ++i) {
      std::memcpy(c.data() + 4 * i, &f32[2 + i % 2], 4);
      std::memcpy(d.data() + 8 * i, &f64[2 + i % 2], 8);
    }
    expect_levels_equal_scalar(Dtype::float32, c, 3, "nan-then-zero");
    expect_levels_equal_scalar(Dtype::float64, d, 5, "nan-then-zero");
    if (HasFailure()) return;
  }
}

// Expected values written by hand, for the scalar twin and every level.
std::vector<SimdLevel> all_levels() {
  auto levels = test_data::simd_levels();
  levels.insert(levels.begin(), SimdLevel::scalar);
  return levels;
}

template <typename Bits>
ColumnStats stats_of_bits(SimdLevel level, Dtype dtype, const std::vector<Bits>& bits) {
  return column_stats_kernel_at(level, dtype, bits.data(), bits.size());
}

TEST(ColumnStatsKernel, min_of_both_zeros_is_negative_and_max_positive_in_any_order) {
  for (SimdLevel level : all_levels()) {
    for (std::size_t n : {2u, 17u, 64u}) {  // below and above one vector
      std::vector<uint32_t> zeros(n, 0x00000000u);
      zeros[n / 2] = 0x80000000u;
      const auto s = stats_of_bits(level, Dtype::float32, zeros);
      EXPECT_EQ(s.min_bits, 0x80000000u) << simd_level_name(level) << n;
      EXPECT_EQ(s.max_bits, 0u) << simd_level_name(level) << n;
      std::vector<uint64_t> dzeros(n, 0x8000000000000000ull);
      dzeros[n - 1] = 0;
      const auto d = stats_of_bits(level, Dtype::float64, dzeros);
      EXPECT_EQ(d.min_bits, 0x8000000000000000ull) << simd_level_name(level) << n;
      EXPECT_EQ(d.max_bits, 0u) << simd_level_name(level) << n;
    }
  }
}

TEST(ColumnStatsKernel, subnormals_stay_distinct_from_zero_and_signalling_nans_are_counted) {
  for (SimdLevel level : all_levels()) {
    // 40 values: -min subnormal, +min subnormal, zeros and signalling NaNs.
    std::vector<uint32_t> bits(40, 0x00000000u);
    bits[5] = 0x80000001u;
    bits[33] = 0x00000001u;
    bits[0] = 0x7f800001u;
    bits[39] = 0xff800001u;
    bits[20] = 0x7fffffffu;
    const auto s = stats_of_bits(level, Dtype::float32, bits);
    EXPECT_TRUE(s.has_min_max);
    EXPECT_EQ(s.min_bits, 0x80000001u) << simd_level_name(level);
    EXPECT_EQ(s.max_bits, 0x00000001u) << simd_level_name(level);
    EXPECT_EQ(s.nan_count, 3u) << simd_level_name(level);
  }
}

TEST(ColumnStatsKernel, infinities_are_min_and_max_and_an_all_nan_column_has_none) {
  for (SimdLevel level : all_levels()) {
    std::vector<uint64_t> bits(37, 0x3ff0000000000000ull);  // 1.0
    bits[3] = 0xfff0000000000000ull;                         // -Inf
    bits[36] = 0x7ff0000000000000ull;                        // +Inf
    bits[10] = 0xfff8000000000000ull;                        // -NaN
    const auto s = stats_of_bits(level, Dtype::float64, bits);
    EXPECT_EQ(s.min_bits, 0xfff0000000000000ull) << simd_level_name(level);
    EXPECT_EQ(s.max_bits, 0x7ff0000000000000ull) << simd_level_name(level);
    EXPECT_EQ(s.nan_count, 1u);
    const std::vector<uint32_t> nans(50, 0xffc00000u);
    const auto n = stats_of_bits(level, Dtype::float32, nans);
    EXPECT_FALSE(n.has_min_max) << simd_level_name(level);
    EXPECT_EQ(n.nan_count, 50u);
  }
}

TEST(ColumnStatsKernel, integer_extremes_compare_by_signedness) {
  for (SimdLevel level : all_levels()) {
    std::vector<int64_t> s64(33, 5);
    s64[7] = INT64_MIN;
    s64[32] = INT64_MAX;
    const auto a = stats_of_bits(level, Dtype::int64, s64);
    EXPECT_EQ(a.min_bits, 0x8000000000000000ull) << simd_level_name(level);
    EXPECT_EQ(a.max_bits, 0x7fffffffffffffffull) << simd_level_name(level);
    std::vector<uint64_t> u64(33, 5);
    u64[1] = ~uint64_t{0};
    const auto b = stats_of_bits(level, Dtype::uint64, u64);
    EXPECT_EQ(b.min_bits, 5u) << simd_level_name(level);
    EXPECT_EQ(b.max_bits, ~uint64_t{0}) << simd_level_name(level);
    std::vector<uint8_t> u8(70, 200);
    u8[69] = 0;
    u8[40] = 255;
    const auto c = stats_of_bits(level, Dtype::uint8, u8);
    EXPECT_EQ(c.min_bits, 0u) << simd_level_name(level);
    EXPECT_EQ(c.max_bits, 255u) << simd_level_name(level);
    std::vector<int16_t> s16(70, -3);
    s16[2] = INT16_MIN;
    s16[64] = INT16_MAX;
    const auto d = stats_of_bits(level, Dtype::int16, s16);
    EXPECT_EQ(d.min_bits, 0x8000u) << simd_level_name(level);
    EXPECT_EQ(d.max_bits, 0x7fffu) << simd_level_name(level);
    std::vector<uint32_t> u32(70, 0x80000000u);
    u32[9] = 0x7fffffffu;
    const auto e = stats_of_bits(level, Dtype::uint32, u32);
    EXPECT_EQ(e.min_bits, 0x7fffffffu) << simd_level_name(level);
    EXPECT_EQ(e.max_bits, 0x80000000u) << simd_level_name(level);
  }
}

// More NaNs than a 32-bit lane counter could hold per block of the SIMD
// loop would be needed to overflow; this proves the counts survive the
// block boundary (8 Mi float32 values per block at AVX2).
TEST(ColumnStatsKernel, nan_count_is_exact_across_the_simd_counting_blocks) {
  const std::size_t count = (std::size_t{9} << 20) + 5;
  std::vector<uint32_t> bits(count, 0x7fc00000u);
  bits[count / 2] = 0x40000000u;  // 2.0
  for (SimdLevel level : all_levels()) {
    const auto s = column_stats_kernel_at(level, Dtype::float32, bits.data(), count);
    EXPECT_EQ(s.nan_count, count - 1) << simd_level_name(level);
    EXPECT_EQ(s.min_bits, 0x40000000u) << simd_level_name(level);
    EXPECT_EQ(s.max_bits, 0x40000000u) << simd_level_name(level);
  }
}

TEST(ColumnStatsKernel, empty_column_may_pass_null) {
  for (SimdLevel level : all_levels()) {
    const auto s = column_stats_kernel_at(level, Dtype::float64, nullptr, 0);
    EXPECT_FALSE(s.has_min_max);
    EXPECT_EQ(s.nan_count, 0u);
  }
}

}  // namespace
}  // namespace simingest::kernels
