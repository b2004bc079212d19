// BYTE_STREAM_SPLIT page bodies, built straight from the segments: array
// pieces whose dtype already has the physical width are split without an
// intermediate copy; small integers are widened through `scratch` first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/dtype.hpp"
#include "parquet/segment_cursor.hpp"

namespace simingest::parquet {

// Appends the BYTE_STREAM_SPLIT encoding of the next `rows` rows of `cursor`
// to `out`. `scratch` is a reusable buffer (its contents are clobbered).
void encode_byte_stream_split(Dtype dtype, SegmentCursor& cursor, std::size_t rows,
                              std::vector<uint8_t>& out, std::vector<uint8_t>& scratch);

}  // namespace simingest::parquet
