// Decoding the RLE / bit-packing hybrid of Encodings.md (the indices of
// RLE_DICTIONARY data pages): the inverse of RleHybridEncoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace simingest::parquet {

// Decodes `count` values of `bit_width` (0..32) bits from the `size` bytes
// at `data` into `out`. Throws Error(corrupt) naming `source` if the data
// ends first or a run is malformed. Bytes after the last value are ignored
// (a bit-packed run is padded to whole groups of 8).
void decode_rle_hybrid(const uint8_t* data, std::size_t size, int bit_width, std::size_t count, uint32_t* out,
                       const std::string& source);

}  // namespace simingest::parquet
