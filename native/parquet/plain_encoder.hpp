// PLAIN encoding: physical values back to back, little endian. Also the
// body of dictionary pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/dtype.hpp"
#include "parquet/segment_cursor.hpp"

namespace simingest::parquet {

// Appends the next `rows` rows of `cursor` (values of `dtype`) to `out` as
// PLAIN physical values; scalar segments are expanded.
// Writes the next `rows` rows of `cursor` as physical values to `dst`
// (rows * physical size bytes).
void gather_physical(Dtype dtype, SegmentCursor& cursor, std::size_t rows, uint8_t* dst);

void encode_plain(Dtype dtype, SegmentCursor& cursor, std::size_t rows, std::vector<uint8_t>& out);

}  // namespace simingest::parquet
