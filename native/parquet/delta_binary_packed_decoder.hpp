// Decoding DELTA_BINARY_PACKED (Encodings.md): the inverse of
// encode_delta_binary_packed, for INT32 and INT64 pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace simingest::parquet {

// Decodes exactly `count` values of `value_size` (4 or 8) bytes from the
// `size` bytes at `data` into `out` (count * value_size bytes, little
// endian). Arithmetic wraps, as the encoding's does. Throws Error(corrupt)
// naming `source` if the header disagrees with `count` or the data ends early.
void decode_delta_binary_packed(const uint8_t* data, std::size_t size, std::size_t value_size, std::size_t count,
                                uint8_t* out, const std::string& source);

}  // namespace simingest::parquet
