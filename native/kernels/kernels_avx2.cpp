// The AVX2 level of the column-statistics and non-finite kernels (see
// simd_level_entry_points.inc, column_stats_simd.hpp, non_finite_simd.hpp).
#define SIMINGEST_LEVEL avx2
#define SIMINGEST_LEVEL_TARGET "avx2"
#define SIMINGEST_LEVEL_LANES Avx2Lanes
#define SIMINGEST_LEVEL_LANES_HEADER "kernels/simd_avx2.hpp"
#include "kernels/simd_level_entry_points.inc"
