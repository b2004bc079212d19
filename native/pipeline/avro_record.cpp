#include "pipeline/avro_record.hpp"

#include <cstring>

#include "pipeline/stream_state.hpp"

namespace simingest::pipeline {

namespace avro = storage::avro;

namespace {

// Widens one value of `dtype` at `p` to the long Avro stores for it.
int64_t integer_at(Dtype dtype, const unsigned char* p) noexcept {
  switch (dtype) {
    case Dtype::int8: { int8_t v; std::memcpy(&v, p, 1); return v; }
    case Dtype::uint8: return *p;
    case Dtype::int16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case Dtype::uint16: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case Dtype::int32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case Dtype::uint32: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    default: { int64_t v; std::memcpy(&v, p, 8); return v; }  // int64 (uint64 is never routed)
  }
}

// Writes `count` values at `out` and returns the end: floats as their bytes
// (Avro float/double are little-endian IEEE 754, the host's layout),
// integers as zigzag varints.
uint8_t* put_values(uint8_t* out, Dtype dtype, const unsigned char* data, std::size_t count) noexcept {
  const std::size_t width = dtype_size(dtype);
  if (dtype_is_float(dtype)) {
    if (count != 0) std::memcpy(out, data, count * width);
    return out + count * width;
  }
  for (std::size_t i = 0; i < count; ++i) out += avro::put_long(out, integer_at(dtype, data + i * width));
  return out;
}

// The most bytes the record can take: step and time, then per column the
// branch, an array's count and terminator, and each value at its widest.
std::size_t record_bound(const StreamState& stream, const simingest_column* columns, const FrameShape& shape) noexcept {
  std::size_t bound = avro::kMaxVarintBytes + 8;
  const auto& declared = stream.config.columns;
  for (std::size_t j = 0; j < declared.size(); ++j) {
    const simingest_column& given = columns[shape.slot[j]];
    const std::size_t count = given.length == SIMINGEST_SCALAR ? 1 : given.length;
    const std::size_t width = dtype_is_float(declared[j].dtype) ? dtype_size(declared[j].dtype) : avro::kMaxVarintBytes;
    bound += 1 + 2 * avro::kMaxVarintBytes + count * width;
  }
  return bound;
}

}  // namespace

// One resize to the record's bound, then plain stores: the block's capacity
// is kept between groups, so a steady stream of frames never allocates.
void encode_avro_record(avro::Bytes& out, const StreamState& stream, int64_t step, double time,
                        const simingest_column* columns, const FrameShape& shape) {
  const std::size_t start = out.size();
  out.resize(start + record_bound(stream, columns, shape));
  uint8_t* cursor = out.data() + start;
  cursor += avro::put_long(cursor, step);
  std::memcpy(cursor, &time, 8);
  cursor += 8;
  const auto& declared = stream.config.columns;
  for (std::size_t j = 0; j < declared.size(); ++j) {
    const simingest_column& given = columns[shape.slot[j]];
    const Dtype dtype = declared[j].dtype;
    const auto* data = static_cast<const unsigned char*>(given.data);
    if (given.length == SIMINGEST_SCALAR) {
      *cursor++ = 0;  // union branch 0, the plain type (zigzag 0)
      cursor = put_values(cursor, dtype, data, 1);
      continue;
    }
    *cursor++ = 2;  // union branch 1, the array (zigzag 1)
    if (given.length > 0) {
      cursor += avro::put_long(cursor, static_cast<int64_t>(given.length));  // one array block
      cursor = put_values(cursor, dtype, data, given.length);
    }
    *cursor++ = 0;  // end of the array
  }
  out.resize(static_cast<std::size_t>(cursor - out.data()));
}

}  // namespace simingest::pipeline
