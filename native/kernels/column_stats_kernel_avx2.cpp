// Column statistics at the AVX2 level (see column_stats_simd.hpp).
#include "kernels/cpu_features.hpp"

#if SIMINGEST_KERNELS_X86

// Every header with code the scalar path may also use comes before the
// target region, so none of its inline functions is compiled for AVX2.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/column_stats.hpp"
#include "core/dtype.hpp"
#include "kernels/order_key.hpp"
#include "kernels/x86_kernels.hpp"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif

#include "kernels/simd_avx2.hpp"
#include "kernels/column_stats_simd.hpp"

namespace simingest::kernels::avx2 {

ColumnStats column_stats(Dtype dtype, const unsigned char* data, std::size_t count) noexcept {
  return simd_column_stats<Avx2Lanes>(dtype, data, count);
}

}  // namespace simingest::kernels::avx2

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif  // SIMINGEST_KERNELS_X86
