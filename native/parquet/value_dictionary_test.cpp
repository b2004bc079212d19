#include "parquet/value_dictionary.hpp"

#include <gtest/gtest.h>

namespace simingest::parquet {
namespace {

TEST(ParquetValueDictionary, numbers_values_in_order_of_first_appearance) {
  ValueDictionary d;
  EXPECT_EQ(d.index_of(30), 0u);
  EXPECT_EQ(d.index_of(10), 1u);
  EXPECT_EQ(d.index_of(30), 0u);
  EXPECT_EQ(d.index_of(20), 2u);
  EXPECT_EQ(d.index_of(10), 1u);
  EXPECT_EQ(d.values(), (std::vector<uint64_t>{30, 10, 20}));
}

TEST(ParquetValueDictionary, distinguishes_bit_patterns_not_numeric_equality) {
  ValueDictionary d;
  EXPECT_EQ(d.index_of(0x0000000000000000ull), 0u);  // +0.0
  EXPECT_EQ(d.index_of(0x8000000000000000ull), 1u);  // -0.0
  EXPECT_EQ(d.size(), 2u);
}

TEST(ParquetValueDictionary, keeps_indices_stable_while_growing) {
  ValueDictionary d;
  for (uint64_t i = 0; i < 5000; ++i) ASSERT_EQ(d.index_of(i * 0x10001), i);
  for (uint64_t i = 0; i < 5000; ++i) ASSERT_EQ(d.index_of(i * 0x10001), i);
  EXPECT_EQ(d.size(), 5000u);
}

TEST(ParquetValueDictionary, clear_forgets_every_entry) {
  ValueDictionary d;
  d.index_of(7);
  d.index_of(8);
  d.clear();
  EXPECT_EQ(d.size(), 0u);
  EXPECT_EQ(d.index_of(8), 0u);
}

TEST(ParquetValueDictionary, index_bit_width_covers_the_largest_index) {
  EXPECT_EQ(dictionary_index_bit_width(0), 1);
  EXPECT_EQ(dictionary_index_bit_width(1), 1);
  EXPECT_EQ(dictionary_index_bit_width(2), 1);
  EXPECT_EQ(dictionary_index_bit_width(3), 2);
  EXPECT_EQ(dictionary_index_bit_width(4), 2);
  EXPECT_EQ(dictionary_index_bit_width(5), 3);
  EXPECT_EQ(dictionary_index_bit_width(256), 8);
  EXPECT_EQ(dictionary_index_bit_width(257), 9);
}

}  // namespace
}  // namespace simingest::parquet
