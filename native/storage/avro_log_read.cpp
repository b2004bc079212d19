#include "storage/avro_log_read.hpp"

#include <cstring>

#include "storage/avro_binary.hpp"

namespace simingest::storage::avro {

namespace {

// Stores `value` (an Avro long) as one value of `dtype` at `out`.
void put_integer(Dtype dtype, int64_t value, unsigned char* out) noexcept {
  switch (dtype) {
    case Dtype::int8: case Dtype::uint8: { const auto v = static_cast<uint8_t>(value); std::memcpy(out, &v, 1); return; }
    case Dtype::int16: case Dtype::uint16: { const auto v = static_cast<uint16_t>(value); std::memcpy(out, &v, 2); return; }
    case Dtype::int32: case Dtype::uint32: { const auto v = static_cast<uint32_t>(value); std::memcpy(out, &v, 4); return; }
    default: std::memcpy(out, &value, 8); return;
  }
}

// Appends `count` values of `dtype` read at `cursor` to `out`.
bool read_values(Cursor& cursor, Dtype dtype, uint64_t count, std::vector<unsigned char>& out) {
  const std::size_t width = dtype_size(dtype);
  if (dtype_is_float(dtype)) {
    if (count > cursor.remaining() / width) return false;
    const std::size_t bytes = static_cast<std::size_t>(count) * width;
    out.insert(out.end(), cursor.here(), cursor.here() + bytes);
    return cursor.skip(bytes);
  }
  if (count > cursor.remaining()) return false;  // a varint takes at least one byte
  const std::size_t start = out.size();
  out.resize(start + static_cast<std::size_t>(count) * width);
  for (uint64_t i = 0; i < count; ++i) {
    int64_t value = 0;
    if (!cursor.read_long(value)) return false;
    put_integer(dtype, value, out.data() + start + i * width);
  }
  return true;
}

}  // namespace

bool decode_log_record(const uint8_t* data, std::size_t size, const std::vector<Dtype>& dtypes,
                       uint64_t grid_rows, LogFrame& out) {
  Cursor cursor(data, size);
  if (!cursor.read_long(out.step) || cursor.remaining() < 8) return false;
  std::memcpy(&out.time, cursor.here(), 8);
  cursor.skip(8);
  out.columns.resize(dtypes.size());
  bool have_rows = false;
  out.rows = 0;
  for (std::size_t j = 0; j < dtypes.size(); ++j) {
    LogColumn& column = out.columns[j];
    column.values.clear();
    int64_t branch = 0;
    if (!cursor.read_long(branch)) return false;
    if (branch == 0) {
      column.is_scalar = true;
      column.count = 1;
      if (!read_values(cursor, dtypes[j], 1, column.values)) return false;
      continue;
    }
    if (branch != 1) return false;
    column.is_scalar = false;
    column.count = 0;
    for (;;) {  // array blocks: count (negative: then the block's byte size), items; 0 ends
      int64_t count = 0;
      if (!cursor.read_long(count)) return false;
      if (count == 0) break;
      if (count < 0) {
        int64_t bytes = 0;
        if (count == INT64_MIN || !cursor.read_long(bytes) || bytes < 0) return false;
        count = -count;
      }
      if (!read_values(cursor, dtypes[j], static_cast<uint64_t>(count), column.values)) return false;
      column.count += static_cast<uint64_t>(count);
    }
    if (!have_rows) {
      out.rows = column.count;
      have_rows = true;
    } else if (column.count != out.rows) {
      return false;
    }
  }
  if (!have_rows) out.rows = grid_rows != 0 ? grid_rows : 1;
  return cursor.remaining() == 0;
}

}  // namespace simingest::storage::avro
