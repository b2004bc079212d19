#include "kernels/non_finite.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <thread>
#include <atomic>
#include <chrono>
#include <vector>

#include "kernels/kernel_test_data.hpp"
#include "support/sanitizers.hpp"

namespace simingest::kernels {
namespace {

std::vector<SimdLevel> all_levels() {
  auto levels = test_data::simd_levels();
  levels.insert(levels.begin(), SimdLevel::scalar);
  return levels;
}

// Finite values of `width` bytes (random bits with the top exponent bit
// cleared, so subnormals and both zeros occur), with a non-finite value
// planted at `bad` unless `bad == count`.
std::vector<unsigned char> finite_with_one_bad(std::mt19937_64& random, std::size_t count, std::size_t width,
                                               std::size_t bad, uint64_t bad_bits) {
  std::vector<unsigned char> bytes(count * width);
  const uint64_t clear = width == 4 ? ~uint64_t{0x40000000} : ~uint64_t{0x4000000000000000};
  for (std::size_t i = 0; i < count; ++i) {
    const uint64_t bits = i == bad ? bad_bits : random() & clear;
    std::memcpy(bytes.data() + i * width, &bits, width);
  }
  return bytes;
}

std::vector<uint64_t> non_finite_bits(std::size_t width) {
  std::vector<uint64_t> out;
  if (width == 4) {
    for (uint32_t b : test_data::special_float32())
      if ((b & 0x7f800000u) == 0x7f800000u) out.push_back(b);
  } else {
    for (uint64_t b : test_data::special_float64())
      if ((b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull) out.push_back(b);
  }
  return out;
}

TEST(NonFiniteKernel, every_level_finds_the_first_nan_or_infinity_at_any_position_and_alignment) {
  std::mt19937_64 random(99);
  for (Dtype dtype : {Dtype::float32, Dtype::float64}) {
    const std::size_t width = dtype_size(dtype);
    const auto bads = non_finite_bits(width);
    for (std::size_t count = 0; count <= 300; ++count) {
      const std::size_t bad = count == 0 ? 0 : random() % (count + 1);  // == count: none planted
      auto bytes = finite_with_one_bad(random, count, width, bad, bads[random() % bads.size()]);
      // A second non-finite value after the first must not be reported.
      if (bad + 1 < count) std::memcpy(bytes.data() + (count - 1) * width, &bads[0], width);
      const std::size_t offset = (count * 7) % 64;
      std::vector<unsigned char> buffer(bytes.size() + 64);
      if (count) std::memcpy(buffer.data() + offset, bytes.data(), bytes.size());
      for (SimdLevel level : all_levels()) {
        EXPECT_EQ(find_non_finite_at(level, dtype, buffer.data() + offset, count), count ? bad : 0)
            << simd_level_name(level) << " " << dtype_name(dtype) << " count " << count;
      }
      if (HasFailure()) return;
    }
  }
}

TEST(NonFiniteKernel, fused_copy_copies_every_byte_and_nothing_more_whatever_it_finds) {
  std::mt19937_64 random(5);
  for (Dtype dtype : {Dtype::float32, Dtype::float64}) {
    const std::size_t width = dtype_size(dtype);
    const auto bads = non_finite_bits(width);
    for (std::size_t count = 0; count <= 300; ++count) {
      const std::size_t bad = count == 0 ? 0 : random() % (count + 1);
      const auto bytes = finite_with_one_bad(random, count, width, bad, bads[random() % bads.size()]);
      const std::size_t src_offset = (count * 5) % 64, dst_offset = (count * 11) % 64;
      std::vector<unsigned char> src(bytes.size() + 64);
      if (count) std::memcpy(src.data() + src_offset, bytes.data(), bytes.size());
      for (SimdLevel level : all_levels()) {
        std::vector<unsigned char> dst(bytes.size() + 128, 0xA5);
        const auto found =
            copy_and_find_non_finite_at(level, dtype, dst.data() + dst_offset, src.data() + src_offset, count);
        const std::string where = std::string(simd_level_name(level)) + " " + std::string(dtype_name(dtype)) +
                                  " count " + std::to_string(count);
        EXPECT_EQ(found, count ? bad : 0) << where;
        EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), dst.begin() + dst_offset)) << where;
        for (std::size_t i = 0; i < dst_offset; ++i) ASSERT_EQ(dst[i], 0xA5) << where;
        for (std::size_t i = dst_offset + bytes.size(); i < dst.size(); ++i) ASSERT_EQ(dst[i], 0xA5) << where;
      }
      if (HasFailure()) return;
    }
  }
}

TEST(NonFiniteKernel, integer_columns_are_copied_and_never_non_finite) {
  std::vector<int32_t> src(100, -1);  // all exponent bits set, were it a float
  for (SimdLevel level : all_levels()) {
    std::vector<int32_t> dst(100, 0);
    EXPECT_EQ(copy_and_find_non_finite_at(level, Dtype::int32, dst.data(), src.data(), 100), 100u);
    EXPECT_EQ(dst, src);
    EXPECT_EQ(find_non_finite_at(level, Dtype::int32, src.data(), 100), 100u);
  }
}

TEST(NonFiniteKernel, dispatched_functions_agree_with_the_scalar_twin) {
  std::vector<double> values(1000, 1.5);
  values[777] = -std::numeric_limits<double>::infinity();
  std::vector<double> copy(1000);
  EXPECT_EQ(find_non_finite(Dtype::float64, values.data(), values.size()), 777u);
  EXPECT_EQ(copy_and_find_non_finite(Dtype::float64, copy.data(), values.data(), values.size()), 777u);
  EXPECT_EQ(copy, values);
}

// The source may change while it is copied (a SharedArrayBuffer another
// thread writes to). Whatever the timing, the verdict must describe the
// copy: "no non-finite" means the copy holds none, and a returned index
// points at a non-finite value in the copy. A writer thread flips values
// between NaN and finite while every level copies. A race by design, so not
// run under ThreadSanitizer.
TEST(NonFiniteKernel, verdict_describes_the_copy_while_the_source_changes) {
  if (testing_support::kThreadSanitizer) GTEST_SKIP() << "deliberate data race; not meaningful under ThreadSanitizer";
  constexpr std::size_t kCount = 37;  // a SIMD block plus a scalar tail at every level
  alignas(64) static uint64_t source[kCount];
  for (auto& v : source) v = 0x3ff0000000000000ull;  // 1.0
  std::atomic<bool> stop{false};
  constexpr std::size_t kFlipped = 5;  // the one value the writer keeps changing
  std::thread writer([&] {
    const uint64_t nan = 0x7ff8000000000000ull, one = 0x3ff0000000000000ull;
    while (!stop.load(std::memory_order_relaxed)) {
      __atomic_store_n(&source[kFlipped], nan, __ATOMIC_RELAXED);
      __atomic_store_n(&source[kFlipped], one, __ATOMIC_RELAXED);
    }
  });
  std::size_t inconsistent = 0;
  std::size_t rejected = 0;
  double copy[kCount];
  // Each level runs for one second: the window between reading a value and
  // storing its copy is a few nanoseconds, so it takes many calls to hit.
  for (SimdLevel level : all_levels()) {
    std::size_t seen = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (std::size_t round = 0; std::chrono::steady_clock::now() < until; ++round) {
      const std::size_t count = kFlipped + 1 + round % (kCount - kFlipped);
      const std::size_t bad = copy_and_find_non_finite_at(level, Dtype::float64, copy, source, count);
      if (bad < count) {
        ++seen;
        if (std::isfinite(copy[bad])) ++inconsistent;
      } else {
        for (std::size_t i = 0; i < count; ++i)
          if (!std::isfinite(copy[i])) {
            ++inconsistent;
            break;
          }
      }
    }
    rejected += seen;
  }
  stop = true;
  writer.join();
  EXPECT_EQ(inconsistent, 0u) << "of " << rejected << " rejections";
}

}  // namespace
}  // namespace simingest::kernels
