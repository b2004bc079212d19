#include "core/dtype.hpp"

#include <gtest/gtest.h>

#include <string>

namespace simingest {
namespace {

struct DtypeFacts {
  Dtype dtype;
  int c_value;
  const char* name;
  std::size_t size;
  bool is_float;
  bool is_unsigned;
};

// Written out by hand from the C ABI and the on-disk spec, not derived from dtype.cpp.
constexpr DtypeFacts kFacts[] = {
    {Dtype::float32, 1, "float32", 4, true, false}, {Dtype::float64, 2, "float64", 8, true, false},
    {Dtype::int8, 3, "int8", 1, false, false},      {Dtype::int16, 4, "int16", 2, false, false},
    {Dtype::int32, 5, "int32", 4, false, false},    {Dtype::int64, 6, "int64", 8, false, false},
    {Dtype::uint8, 7, "uint8", 1, false, true},     {Dtype::uint16, 8, "uint16", 2, false, true},
    {Dtype::uint32, 9, "uint32", 4, false, true},   {Dtype::uint64, 10, "uint64", 8, false, true},
};

TEST(Dtype, enum_values_equal_the_c_abi_values) {
  for (const auto& f : kFacts) EXPECT_EQ(static_cast<int>(f.dtype), f.c_value) << f.name;
  EXPECT_EQ(static_cast<int>(Dtype::uint64), SIMINGEST_UINT64);
}

TEST(Dtype, sizes_match_element_widths) {
  for (const auto& f : kFacts) EXPECT_EQ(dtype_size(f.dtype), f.size) << f.name;
}

TEST(Dtype, classifies_floats_and_unsigned_integers) {
  for (const auto& f : kFacts) {
    EXPECT_EQ(dtype_is_float(f.dtype), f.is_float) << f.name;
    EXPECT_EQ(dtype_is_unsigned(f.dtype), f.is_unsigned) << f.name;
  }
}

TEST(Dtype, names_every_dtype) {
  for (const auto& f : kFacts) EXPECT_EQ(dtype_name(f.dtype), f.name);
}

TEST(Dtype, finds_every_dtype_by_name) {
  for (const auto& f : kFacts) {
    auto found = dtype_from_name(f.name);
    ASSERT_TRUE(found.has_value()) << f.name;
    EXPECT_EQ(*found, f.dtype);
  }
}

TEST(Dtype, rejects_unknown_and_differently_cased_names) {
  for (const char* name : {"float16", "", "Float32", "float", "double", "int", "uint64 "})
    EXPECT_FALSE(dtype_from_name(name).has_value()) << name;
}

TEST(Dtype, converts_every_c_value) {
  for (const auto& f : kFacts) {
    auto found = dtype_from_c(f.c_value);
    ASSERT_TRUE(found.has_value()) << f.c_value;
    EXPECT_EQ(*found, f.dtype);
  }
}

TEST(Dtype, rejects_c_values_outside_the_enum) {
  for (int value : {0, -1, 11, 99, 1 << 30}) EXPECT_FALSE(dtype_from_c(value).has_value()) << value;
}

TEST(Dtype, names_a_value_outside_the_enum_invalid) {
  EXPECT_EQ(dtype_name(static_cast<Dtype>(42)), "invalid");
  EXPECT_EQ(dtype_size(static_cast<Dtype>(42)), 0u);
}

}  // namespace
}  // namespace simingest
