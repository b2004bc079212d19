#include "parquet/page_index.hpp"

#include "parquet/chunk_statistics.hpp"

namespace simingest::parquet {

format::OffsetIndex offset_index_of(const EncodedColumnChunk& chunk, int64_t base) {
  format::OffsetIndex index;
  index.page_locations.reserve(chunk.pages.size());
  for (const DataPageEntry& page : chunk.pages)
    index.page_locations.push_back({base + page.offset, page.size, page.first_row});
  return index;
}

format::BoundaryOrder boundary_order_of(Dtype dtype, const std::vector<DataPageEntry>& pages) {
  bool ascending = true, descending = true;
  for (std::size_t i = 1; i < pages.size(); ++i) {
    const ColumnStats& a = pages[i - 1].stats;
    const ColumnStats& b = pages[i].stats;
    const int by_min = compare_value_bits(dtype, a.min_bits, b.min_bits);
    const int by_max = compare_value_bits(dtype, a.max_bits, b.max_bits);
    ascending = ascending && by_min <= 0 && by_max <= 0;
    descending = descending && by_min >= 0 && by_max >= 0;
  }
  if (ascending) return format::BoundaryOrder::ascending;
  return descending ? format::BoundaryOrder::descending : format::BoundaryOrder::unordered;
}

std::optional<format::ColumnIndex> column_index_of(Dtype dtype, const EncodedColumnChunk& chunk) {
  if (chunk.pages.empty()) return std::nullopt;
  for (const DataPageEntry& page : chunk.pages)
    if (!page.stats.has_min_max) return std::nullopt;
  format::ColumnIndex index;
  const std::size_t n = chunk.pages.size();
  index.null_pages.assign(n, false);  // REQUIRED columns hold no nulls
  index.null_counts.assign(n, 0);
  index.min_values.reserve(n);
  index.max_values.reserve(n);
  const bool is_float = dtype_is_float(dtype);
  for (const DataPageEntry& page : chunk.pages) {
    index.min_values.push_back(min_value_bytes(dtype, page.stats.min_bits));
    index.max_values.push_back(max_value_bytes(dtype, page.stats.max_bits));
    if (is_float) index.nan_counts.push_back(static_cast<int64_t>(page.stats.nan_count));
  }
  index.boundary_order = boundary_order_of(dtype, chunk.pages);
  return index;
}

}  // namespace simingest::parquet
