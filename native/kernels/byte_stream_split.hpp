// The BYTE_STREAM_SPLIT transform (Parquet Encodings.md): n values of K bytes
// become K streams of n bytes, stream k holding byte k of every value, the
// streams concatenated. Floats' exponent bytes then sit together, which is
// what makes the result compress.
//
// The functions fill part of one page's streams so a page can be built from
// several segments without first gathering its values: `stream_length` is
// the page's value count and `first` the index in the page of the first
// value written.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/cpu_features.hpp"

namespace simingest::kernels {

// Scatters `count` values of `width` bytes (4 or 8 run at
// active_simd_level(); any other width is handled by a generic loop) from
// `values` into `streams`. Neither needs any alignment.
void byte_stream_split_scatter(const uint8_t* values, std::size_t count, std::size_t width,
                               uint8_t* streams, std::size_t stream_length, std::size_t first) noexcept;

// The same at supported_simd_level(level): for tests and benchmarks.
void byte_stream_split_scatter_at(SimdLevel level, const uint8_t* values, std::size_t count, std::size_t width,
                                  uint8_t* streams, std::size_t stream_length, std::size_t first) noexcept;

// Writes `count` copies of the one value at `value` (`width` bytes).
void byte_stream_split_fill(const uint8_t* value, std::size_t count, std::size_t width,
                            uint8_t* streams, std::size_t stream_length, std::size_t first) noexcept;

// The inverse of a whole page: `count` values from `streams` to `values`.
void byte_stream_split_gather(const uint8_t* streams, std::size_t count, std::size_t width,
                              uint8_t* values) noexcept;

}  // namespace simingest::kernels
