// Statistics of the values of one data page, for the page index: the same
// order and NaN rules as the chunk's (core/column_stats.hpp), computed from
// the segments the page covers (a scalar segment costs nothing per row).
#pragma once

#include <cstddef>

#include "core/column_stats.hpp"
#include "core/dtype.hpp"
#include "parquet/segment_cursor.hpp"

namespace simingest::parquet {

// Statistics of the next `rows` rows of `cursor`, which moves past them.
ColumnStats take_page_stats(Dtype dtype, SegmentCursor& cursor, std::size_t rows);

}  // namespace simingest::parquet
