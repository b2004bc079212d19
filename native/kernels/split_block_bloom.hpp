// The hot loop of Parquet's split-block bloom filters (BloomFilter.md):
// hashing values with xxHash64 (seed 0) of their PLAIN encoding and setting
// one bit in each of the eight 32-bit words of the block the hash selects.
//
// What must stay true, or readers (DuckDB, Arrow, parquet-mr) would answer
// "absent" for values that are present:
// - the hashed bytes are the PLAIN encoding of the *physical* value: 8- and
//   16-bit integers widened to INT32 (sign-extended when signed, zero-extended
//   when unsigned), other dtypes as their own little-endian bytes;
// - block = ((hash >> 32) * num_blocks) >> 32; key = the low 32 bits; word i
//   gets bit (key * SALT[i]) >> 27.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dtype.hpp"

namespace simingest::kernels {

// The filter's hash of one value of `dtype` given as its bits (zero-extended).
uint64_t bloom_hash(Dtype dtype, uint64_t value_bits) noexcept;

// Sets the bits of `count` values of `dtype` at `data` (any alignment) in a
// filter of `num_blocks` blocks of eight words at `words`.
void bloom_insert_values(Dtype dtype, const void* data, std::size_t count, uint32_t* words,
                         std::size_t num_blocks) noexcept;

void bloom_insert_hash(uint64_t hash, uint32_t* words, std::size_t num_blocks) noexcept;

// False only if the value whose hash this is was never inserted.
bool bloom_may_contain(uint64_t hash, const uint32_t* words, std::size_t num_blocks) noexcept;

}  // namespace simingest::kernels
