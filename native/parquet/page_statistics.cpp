#include "parquet/page_statistics.hpp"

#include "kernels/column_stats_kernel.hpp"

namespace simingest::parquet {

ColumnStats take_page_stats(Dtype dtype, SegmentCursor& cursor, std::size_t rows) {
  ColumnStats page;
  cursor.take(rows, [&](const uint8_t* data, std::size_t count, bool is_scalar) {
    page.merge(is_scalar ? scalar_column_stats(dtype, data, count) : compute_column_stats(dtype, data, count),
               dtype);
  });
  return page;
}

}  // namespace simingest::parquet
