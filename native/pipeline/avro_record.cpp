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

// Appends `count` values: floats as their bytes (Avro float/double are
// little-endian IEEE 754, the host's layout), integers as zigzag varints.
void append_values(avro::Bytes& out, Dtype dtype, const unsigned char* data, std::size_t count) {
  const std::size_t width = dtype_size(dtype);
  if (dtype_is_float(dtype)) {
    avro::append_raw(out, data, count * width);
    return;
  }
  // Worst case bytes up front, then one resize: no growth per value.
  const std::size_t start = out.size();
  out.resize(start + count * avro::kMaxVarintBytes);
  uint8_t* cursor = out.data() + start;
  for (std::size_t i = 0; i < count; ++i) cursor += avro::put_long(cursor, integer_at(dtype, data + i * width));
  out.resize(static_cast<std::size_t>(cursor - out.data()));
}

}  // namespace

void encode_avro_record(avro::Bytes& out, const StreamState& stream, int64_t step, double time,
                        const simingest_column* columns, const FrameShape& shape) {
  avro::append_long(out, step);
  avro::append_double(out, time);
  const auto& declared = stream.config.columns;
  for (std::size_t j = 0; j < declared.size(); ++j) {
    const simingest_column& given = columns[shape.slot[j]];
    const Dtype dtype = declared[j].dtype;
    const auto* data = static_cast<const unsigned char*>(given.data);
    if (given.length == SIMINGEST_SCALAR) {
      avro::append_long(out, 0);
      append_values(out, dtype, data, 1);
      continue;
    }
    avro::append_long(out, 1);
    if (given.length > 0) {
      avro::append_long(out, static_cast<int64_t>(given.length));  // one array block
      append_values(out, dtype, data, given.length);
    }
    avro::append_long(out, 0);  // end of the array
  }
}

}  // namespace simingest::pipeline
