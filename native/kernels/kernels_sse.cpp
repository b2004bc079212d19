// The SSE4.2 level of the column-statistics and non-finite kernels (see
// simd_level_entry_points.inc, column_stats_simd.hpp, non_finite_simd.hpp).
#define SIMINGEST_LEVEL sse
#define SIMINGEST_LEVEL_TARGET "sse4.2"
#define SIMINGEST_LEVEL_LANES SseLanes
#define SIMINGEST_LEVEL_LANES_HEADER "kernels/simd_sse.hpp"
#include "kernels/simd_level_entry_points.inc"
