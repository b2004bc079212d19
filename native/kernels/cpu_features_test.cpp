#include "kernels/cpu_features.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "kernels/column_stats_kernel.hpp"

namespace simingest::kernels {
namespace {

TEST(CpuFeatures, level_names_round_trip_and_unknown_names_are_refused) {
  for (SimdLevel level : {SimdLevel::scalar, SimdLevel::sse, SimdLevel::avx2})
    EXPECT_EQ(simd_level_from_name(simd_level_name(level)), level);
  EXPECT_FALSE(simd_level_from_name("avx512").has_value());
  EXPECT_FALSE(simd_level_from_name("").has_value());
  EXPECT_FALSE(simd_level_from_name("AVX2").has_value());
}

TEST(CpuFeatures, request_can_only_lower_the_detected_level) {
  EXPECT_EQ(resolve_simd_level(SimdLevel::avx2, nullptr), SimdLevel::avx2);
  EXPECT_EQ(resolve_simd_level(SimdLevel::avx2, "scalar"), SimdLevel::scalar);
  EXPECT_EQ(resolve_simd_level(SimdLevel::avx2, "sse"), SimdLevel::sse);
  EXPECT_EQ(resolve_simd_level(SimdLevel::avx2, "avx2"), SimdLevel::avx2);
  EXPECT_EQ(resolve_simd_level(SimdLevel::sse, "avx2"), SimdLevel::sse);
  EXPECT_EQ(resolve_simd_level(SimdLevel::scalar, "sse"), SimdLevel::scalar);
  EXPECT_EQ(resolve_simd_level(SimdLevel::sse, "fastest"), SimdLevel::sse);
  EXPECT_EQ(resolve_simd_level(SimdLevel::avx2, ""), SimdLevel::avx2);
}

#if SIMINGEST_KERNELS_X86
// GCC's own cpuid reading (which also checks XCR0 for AVX) as the independent witness.
TEST(CpuFeatures, detects_what_the_compiler_runtime_sees) {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2");
  const bool sse42 = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("ssse3");
  const SimdLevel want = avx2 ? SimdLevel::avx2 : (sse42 ? SimdLevel::sse : SimdLevel::scalar);
  EXPECT_EQ(detected_simd_level(), want);
}
#else
TEST(CpuFeatures, other_architectures_run_the_scalar_twins) {
  EXPECT_EQ(detected_simd_level(), SimdLevel::scalar);
}
#endif

TEST(CpuFeatures, supported_level_never_exceeds_the_detected_one) {
  for (SimdLevel level : {SimdLevel::scalar, SimdLevel::sse, SimdLevel::avx2}) {
    EXPECT_LE(supported_simd_level(level), detected_simd_level());
    if (level <= detected_simd_level()) {
      EXPECT_EQ(supported_simd_level(level), level);
    }
  }
}

TEST(CpuFeatures, active_level_follows_the_environment) {
  EXPECT_EQ(active_simd_level(), resolve_simd_level(detected_simd_level(), std::getenv("SIMINGEST_KERNELS")));
}

// Exits 0 when, with SIMINGEST_KERNELS=`name` set before any kernel ran,
// the active level is `level` and a dispatched kernel gives the right stats.
void run_forced(const char* name, SimdLevel level) {
  setenv("SIMINGEST_KERNELS", name, 1);
  const std::vector<float> values = {3.0f, -1.0f, 2.0f, 7.0f, 0.5f, -4.0f, 1.0f, 9.0f, 6.0f};
  const auto stats = column_stats_kernel(Dtype::float32, values.data(), values.size());
  const bool right = stats.min_bits == 0xc0800000u && stats.max_bits == 0x41100000u;  // -4, 9
  std::exit(active_simd_level() == level && right ? 0 : 1);
}

// The active level is fixed at first use, so each forced level is checked
// in a fresh process ("threadsafe" death tests re-execute the binary and
// run only this test): the variable set there decides the level the
// dispatched kernels run at, and they still compute the right answer.
TEST(CpuFeatures, environment_variable_forces_each_level_in_a_fresh_process) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (SimdLevel level : {SimdLevel::scalar, SimdLevel::sse, SimdLevel::avx2}) {
    if (level > detected_simd_level()) continue;
    const std::string name(simd_level_name(level));
    EXPECT_EXIT(run_forced(name.c_str(), level), testing::ExitedWithCode(0), "") << name;
  }
}

}  // namespace
}  // namespace simingest::kernels
