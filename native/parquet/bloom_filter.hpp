// Parquet split-block bloom filters (BloomFilter.md): sizing a chunk's filter
// and filling it from the chunk's values (the hashing is the kernel in
// kernels/split_block_bloom.hpp), and the bytes a file stores for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/format_choices.hpp"
#include "parquet/column_chunk.hpp"

namespace simingest::parquet {

// Smallest and largest filters written (bytes): one block, and the cap
// other writers use so a filter never dwarfs its chunk.
constexpr uint32_t kMinBloomFilterBytes = 32;
constexpr uint32_t kMaxBloomFilterBytes = 128u << 20;

// Bytes of a filter for `ndv` distinct values at false-positive probability
// `fpp` (0 < fpp < 1): m = -8 ndv / ln(1 - fpp^(1/8)) bits, rounded up to a
// power of two bytes within [kMinBloomFilterBytes, kMaxBloomFilterBytes].
uint32_t bloom_filter_bytes(uint64_t ndv, double fpp) noexcept;

// An upper bound of a filter's bytes per distinct value at `fpp`, rounding to
// a power of two included (it at most doubles the size): what the memory
// budget reserves per row of a column with a filter.
double bloom_filter_bytes_per_value_bound(double fpp) noexcept;

// Sets `words` to the zeroed filter of `column` for a chunk of `rows` rows
// (its capacity is reused) and inserts every value of the segments: a scalar
// segment once. Does nothing to a column without a filter but clear `words`.
void fill_bloom_filter(const ColumnDescriptor& column, const ValueSegment* segments, std::size_t nsegments,
                       std::size_t rows, std::vector<uint32_t>& words);

// The filter as a file stores it: BloomFilterHeader, then the bitset
// (little-endian words), appended to `out`.
void append_bloom_filter(const std::vector<uint32_t>& words, std::vector<uint8_t>& out);

}  // namespace simingest::parquet
