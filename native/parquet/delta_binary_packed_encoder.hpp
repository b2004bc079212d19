// DELTA_BINARY_PACKED (Encodings.md) with blocks of 128 values in 4
// miniblocks of 32. Deltas wrap in two's complement at the physical width
// (32 bits for INT32, 64 for INT64), so any value sequence, including
// uint64 values around 2^63 stored as INT64, round-trips; a miniblock never
// needs more bits than the physical width.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace simingest::parquet {

// Appends the encoding of `count` INT32 / INT64 physical values to `out`.
void encode_delta_binary_packed(const int32_t* values, std::size_t count, std::vector<uint8_t>& out);
void encode_delta_binary_packed(const int64_t* values, std::size_t count, std::vector<uint8_t>& out);

}  // namespace simingest::parquet
