#include "parquet/byte_stream_split_encoder.hpp"

#include "kernels/byte_stream_split.hpp"
#include "parquet/column_type.hpp"

namespace simingest::parquet {

void encode_byte_stream_split(Dtype dtype, SegmentCursor& cursor, std::size_t rows,
                              std::vector<uint8_t>& out, std::vector<uint8_t>& scratch) {
  const std::size_t width = column_type_of(dtype).physical_size;
  const bool native_width = dtype_size(dtype) == width;
  const std::size_t base = out.size();
  out.resize(base + rows * width);
  uint8_t* streams = out.data() + base;
  std::size_t first = 0;
  cursor.take(rows, [&](const uint8_t* data, std::size_t n, bool is_scalar) {
    if (is_scalar) {
      uint8_t value[8];
      fill_physical(dtype, data, 1, value);
      kernels::byte_stream_split_fill(value, n, width, streams, rows, first);
    } else if (native_width) {
      kernels::byte_stream_split_scatter(data, n, width, streams, rows, first);
    } else {
      if (scratch.size() < n * width) scratch.resize(n * width);
      widen_to_physical(dtype, data, n, scratch.data());
      kernels::byte_stream_split_scatter(scratch.data(), n, width, streams, rows, first);
    }
    first += n;
  });
}

}  // namespace simingest::parquet
