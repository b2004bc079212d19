#include "storage/avro_frame_decoder.hpp"

#include <cstring>
#include <limits>

namespace simingest::storage::avro {

namespace {

// The range an Avro int or long must lie in to be a value of `dtype`.
bool fits(Dtype dtype, int64_t value) noexcept {
  switch (dtype) {
    case Dtype::int8: return value >= INT8_MIN && value <= INT8_MAX;
    case Dtype::uint8: return value >= 0 && value <= UINT8_MAX;
    case Dtype::int16: return value >= INT16_MIN && value <= INT16_MAX;
    case Dtype::uint16: return value >= 0 && value <= UINT16_MAX;
    case Dtype::int32: return value >= INT32_MIN && value <= INT32_MAX;
    case Dtype::uint32: return value >= 0 && value <= static_cast<int64_t>(UINT32_MAX);
    default: return true;  // int64
  }
}

void store_integer(Dtype dtype, int64_t value, uint8_t* out) noexcept {
  switch (dtype) {
    case Dtype::int8: case Dtype::uint8: { const auto v = static_cast<uint8_t>(value); std::memcpy(out, &v, 1); break; }
    case Dtype::int16: case Dtype::uint16: { const auto v = static_cast<uint16_t>(value); std::memcpy(out, &v, 2); break; }
    case Dtype::int32: case Dtype::uint32: { const auto v = static_cast<uint32_t>(value); std::memcpy(out, &v, 4); break; }
    default: std::memcpy(out, &value, 8); break;
  }
}

// Appends `count` values of `dtype` from `cursor` to the column's bytes, which hold `have` values.
bool read_values(Cursor& cursor, Dtype dtype, std::size_t count, std::vector<uint64_t>& storage, std::size_t have) {
  const std::size_t width = dtype_size(dtype);
  if (dtype_is_float(dtype) && count > cursor.remaining() / width) return false;
  if (!dtype_is_float(dtype) && count > cursor.remaining()) return false;  // a varint takes a byte at least
  const std::size_t bytes = (have + count) * width;
  storage.resize((bytes + 7) / 8);
  auto* out = reinterpret_cast<uint8_t*>(storage.data()) + have * width;
  if (dtype_is_float(dtype)) {
    if (count != 0) std::memcpy(out, cursor.here(), count * width);
    return cursor.skip(count * width);
  }
  for (std::size_t i = 0; i < count; ++i) {
    int64_t value = 0;
    if (!cursor.read_long(value) || !fits(dtype, value)) return false;
    store_integer(dtype, value, out + i * width);
  }
  return true;
}

}  // namespace

FrameDecoder::FrameDecoder(const StreamConfig& stream) {
  for (const ColumnConfig& column : stream.columns) {
    names_.push_back(column.name);
    dtypes_.push_back(column.dtype);
  }
}

bool FrameDecoder::decode(Cursor& cursor, DecodedFrame& frame) {
  const std::size_t n = dtypes_.size();
  frame.columns.resize(n);
  frame.values.resize(n);
  if (!cursor.read_long(frame.step) || cursor.remaining() < 8) return false;
  std::memcpy(&frame.time, cursor.here(), 8);
  cursor.skip(8);
  for (std::size_t j = 0; j < n; ++j) {
    simingest_column& column = frame.columns[j];
    column.name = names_[j].c_str();
    column.dtype = static_cast<simingest_dtype>(static_cast<int>(dtypes_[j]));
    int64_t branch = 0;
    if (!cursor.read_long(branch)) return false;
    std::size_t length = 0;
    if (branch == 0) {
      if (!read_values(cursor, dtypes_[j], 1, frame.values[j], 0)) return false;
      column.length = SIMINGEST_SCALAR;
    } else if (branch == 1) {
      for (;;) {  // array blocks, each its items; a block of 0 ends
        int64_t count = 0, bytes = 0;
        if (!cursor.read_block_header(count, bytes)) return false;
        if (count == 0) break;
        if (!read_values(cursor, dtypes_[j], static_cast<std::size_t>(count), frame.values[j], length)) return false;
        length += static_cast<std::size_t>(count);
      }
      if (length == 0) frame.values[j].resize(0);
      column.length = length;
    } else {
      return false;
    }
    column.data = frame.values[j].data();
  }
  return true;
}

bool FrameDecoder::decode_record(const uint8_t* data, std::size_t size, DecodedFrame& frame) {
  Cursor cursor(data, size);
  return decode(cursor, frame) && cursor.remaining() == 0;
}

bool frame_rows(const DecodedFrame& frame, uint64_t grid_rows, uint64_t& rows) noexcept {
  bool have_rows = false;
  rows = 0;
  for (const simingest_column& column : frame.columns) {
    if (column.length == SIMINGEST_SCALAR) continue;
    if (!have_rows) {
      rows = column.length;
      have_rows = true;
    } else if (column.length != rows) {
      return false;
    }
  }
  if (!have_rows) rows = grid_rows != 0 ? grid_rows : 1;
  return true;
}

void keep_frame(const DecodedFrame& frame, uint64_t rows, KeptFrame& out) {
  out.step = frame.step;
  out.time = frame.time;
  out.rows = rows;
  const std::size_t n = frame.columns.size();
  out.is_scalar.resize(n);
  out.values.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    out.is_scalar[j] = frame.columns[j].length == SIMINGEST_SCALAR;
    out.values[j].assign(frame.values[j].begin(), frame.values[j].end());
  }
}

}  // namespace simingest::storage::avro
