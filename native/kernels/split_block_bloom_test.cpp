// The bloom filter kernel and sizing. Interoperability (the same hash and
// bit layout as other readers) is proven by DuckDB's parquet_bloom_probe in
// test/python/test_page_index_bloom.py; here: no false negatives, the
// physical widening of small integers, and the spec's sizes.
#include "kernels/split_block_bloom.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "parquet/bloom_filter.hpp"

namespace simingest {
namespace {

TEST(SplitBlockBloom, every_inserted_value_may_be_contained_and_few_others) {
  constexpr std::size_t kBlocks = 1024;  // 32 KiB: ~26k values at 1%
  std::vector<uint32_t> words(kBlocks * 8, 0);
  std::mt19937_64 rng(42);
  std::vector<int64_t> values(20000);
  for (auto& v : values) v = static_cast<int64_t>(rng());
  kernels::bloom_insert_values(Dtype::int64, values.data(), values.size(), words.data(), kBlocks);
  for (int64_t v : values)
    ASSERT_TRUE(kernels::bloom_may_contain(kernels::bloom_hash(Dtype::int64, static_cast<uint64_t>(v)), words.data(), kBlocks));
  int positives = 0;
  for (int i = 0; i < 20000; ++i)
    positives += kernels::bloom_may_contain(kernels::bloom_hash(Dtype::int64, rng()), words.data(), kBlocks);
  EXPECT_LT(positives, 20000 * 0.02);
}

TEST(SplitBlockBloom, small_integers_hash_as_their_int32_physical_value) {
  // int8 -1 is the INT32 -1 (sign-extended); uint8 255 is the INT32 255.
  EXPECT_EQ(kernels::bloom_hash(Dtype::int8, 0xFF), kernels::bloom_hash(Dtype::int32, 0xFFFFFFFFu));
  EXPECT_EQ(kernels::bloom_hash(Dtype::uint8, 0xFF), kernels::bloom_hash(Dtype::int32, 0xFF));
  EXPECT_EQ(kernels::bloom_hash(Dtype::int16, 0x8000), kernels::bloom_hash(Dtype::int32, 0xFFFF8000u));
  EXPECT_NE(kernels::bloom_hash(Dtype::int32, 5), kernels::bloom_hash(Dtype::int64, 5));  // 4 bytes vs 8
  const int8_t small[2] = {-1, 7};
  std::vector<uint32_t> words(8, 0);
  kernels::bloom_insert_values(Dtype::int8, small, 2, words.data(), 1);
  EXPECT_TRUE(kernels::bloom_may_contain(kernels::bloom_hash(Dtype::int32, 0xFFFFFFFFu), words.data(), 1));
  EXPECT_TRUE(kernels::bloom_may_contain(kernels::bloom_hash(Dtype::int32, 7), words.data(), 1));
}

TEST(SplitBlockBloom, sizes_follow_the_spec_formula_rounded_to_powers_of_two) {
  // m = -8 ndv / ln(1 - fpp^(1/8)) bits, next power of two bytes.
  EXPECT_EQ(parquet::bloom_filter_bytes(10000, 0.01), 16384u);
  EXPECT_EQ(parquet::bloom_filter_bytes(100000, 0.1), 131072u);
  EXPECT_EQ(parquet::bloom_filter_bytes(100000, 0.001), 262144u);
  EXPECT_EQ(parquet::bloom_filter_bytes(0, 0.01), parquet::kMinBloomFilterBytes);
  EXPECT_EQ(parquet::bloom_filter_bytes(uint64_t{1} << 40, 0.01), parquet::kMaxBloomFilterBytes);
}

}  // namespace
}  // namespace simingest
