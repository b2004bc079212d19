// The SSE4.2 and AVX2 versions of every kernel, defined in files compiled for
// their target: kernels_<level>.cpp (column statistics and the non-finite
// scans, from simd_level_entry_points.inc), byte_stream_split_<level>.cpp,
// quantize_avx2.cpp and crc32c_sse.cpp.
// Callers go through the dispatching functions of each kernel's header, which
// call these only at a level the CPU has.
#pragma once

#include "kernels/cpu_features.hpp"

#if SIMINGEST_KERNELS_X86

#include <cstddef>
#include <cstdint>

#include "core/column_stats.hpp"
#include "core/dtype.hpp"
#include "kernels/quantize.hpp"

namespace simingest::kernels {

namespace sse {
ColumnStats column_stats(Dtype dtype, const unsigned char* data, std::size_t count) noexcept;
std::size_t find_non_finite(Dtype dtype, const unsigned char* data, std::size_t count) noexcept;
std::size_t copy_and_find_non_finite(Dtype dtype, unsigned char* dst, const unsigned char* src,
                                     std::size_t count) noexcept;
// `width` 4 or 8.
void byte_stream_split_scatter(const uint8_t* values, std::size_t count, std::size_t width, uint8_t* streams,
                               std::size_t stream_length, std::size_t first) noexcept;
// The raw CRC-32C register after `size` more bytes (crc32c_sse.cpp; no inversion).
uint32_t crc32c_update(uint32_t crc, const unsigned char* bytes, std::size_t size) noexcept;
}  // namespace sse

namespace avx2 {
ColumnStats column_stats(Dtype dtype, const unsigned char* data, std::size_t count) noexcept;
std::size_t find_non_finite(Dtype dtype, const unsigned char* data, std::size_t count) noexcept;
std::size_t copy_and_find_non_finite(Dtype dtype, unsigned char* dst, const unsigned char* src,
                                     std::size_t count) noexcept;
// `width` 4 or 8.
void byte_stream_split_scatter(const uint8_t* values, std::size_t count, std::size_t width, uint8_t* streams,
                               std::size_t stream_length, std::size_t first) noexcept;
// Quantisation of the longest prefix of whole vectors (float32 or float64);
// return how many values they handled, the caller does the rest.
std::size_t quantize_mantissa(Dtype dtype, unsigned char* data, std::size_t count, int mantissa_bits,
                              QuantizeError& error) noexcept;
std::size_t max_finite_magnitude_bits(Dtype dtype, const unsigned char* data, std::size_t count,
                                      uint64_t& max_bits) noexcept;
}  // namespace avx2

}  // namespace simingest::kernels

#endif
