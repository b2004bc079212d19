#include "parquet/plain_encoder.hpp"

#include "parquet/column_type.hpp"

namespace simingest::parquet {

void gather_physical(Dtype dtype, SegmentCursor& cursor, std::size_t rows, uint8_t* dst) {
  const std::size_t width = column_type_of(dtype).physical_size;
  cursor.take(rows, [&](const uint8_t* data, std::size_t n, bool is_scalar) {
    if (is_scalar)
      fill_physical(dtype, data, n, dst);
    else
      widen_to_physical(dtype, data, n, dst);
    dst += n * width;
  });
}

void encode_plain(Dtype dtype, SegmentCursor& cursor, std::size_t rows, std::vector<uint8_t>& out) {
  const std::size_t at = out.size();
  out.resize(at + rows * column_type_of(dtype).physical_size);
  gather_physical(dtype, cursor, rows, out.data() + at);
}

}  // namespace simingest::parquet
