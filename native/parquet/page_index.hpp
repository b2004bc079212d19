// A column chunk's page index (PageIndex.md) from the pages its encoder
// recorded: the OffsetIndex (where each data page is, its first row) and the
// ColumnIndex (each page's min and max) that let readers skip pages.
//
// What must stay true (parquet.thrift, ColumnIndex and ColumnOrder):
// - min/max follow the chunk Statistics' rules (chunk_statistics.hpp): PLAIN
//   physical values, TYPE_ORDER, NaN never a bound, zero min -0.0, zero max +0.0;
// - with TYPE_ORDER a chunk with a page of only NaNs gets no ColumnIndex at
//   all (its OffsetIndex still), nor does a chunk whose pages' statistics are
//   not known (an empty chunk's one page, a copied chunk without an index);
// - boundary_order is ASCENDING (or DESCENDING) only if both the mins and the
//   maxes never decrease (increase) from page to page, compared in the
//   column's order; ASCENDING when both hold (all pages equal).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/column_stats.hpp"
#include "core/dtype.hpp"
#include "parquet/column_chunk.hpp"
#include "parquet/parquet_metadata.hpp"

namespace simingest::parquet {

// The chunk's OffsetIndex once its first byte is at file offset `base`.
format::OffsetIndex offset_index_of(const EncodedColumnChunk& chunk, int64_t base);

// The chunk's ColumnIndex, or none (see above).
std::optional<format::ColumnIndex> column_index_of(Dtype dtype, const EncodedColumnChunk& chunk);

format::BoundaryOrder boundary_order_of(Dtype dtype, const std::vector<DataPageEntry>& pages);

}  // namespace simingest::parquet
