#include "parquet/thrift_compact.hpp"

#include <cstring>

#include "core/status.hpp"

namespace simingest::parquet::thrift {

void append_varint(std::vector<uint8_t>& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<uint8_t>(value));
}

void CompactWriter::begin_struct() {
  if (depth_ == kMaxDepth) throw Error(Status::internal, "thrift: structs nested too deeply");
  last_field_id_[depth_++] = 0;
}

void CompactWriter::end_struct() {
  if (depth_ == 0) throw Error(Status::internal, "thrift: end_struct without begin_struct");
  out_->push_back(0);  // stop field
  --depth_;
}

void CompactWriter::field_header(int16_t id, CompactType type) {
  if (depth_ == 0) throw Error(Status::internal, "thrift: field outside a struct");
  int16_t& last = last_field_id_[depth_ - 1];
  const int delta = static_cast<int>(id) - static_cast<int>(last);
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<uint8_t>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    // Long form: the type alone, then the id as a zigzag varint i16.
    out_->push_back(static_cast<uint8_t>(type));
    append_varint(*out_, zigzag32(id));
  }
  last = id;
}

void CompactWriter::field_bool(int16_t id, bool value) {
  // The value lives in the type nibble; no value byte follows.
  field_header(id, value ? CompactType::boolean_true : CompactType::boolean_false);
}

void CompactWriter::field_i8(int16_t id, int8_t value) {
  field_header(id, CompactType::i8);
  out_->push_back(static_cast<uint8_t>(value));
}

void CompactWriter::field_i16(int16_t id, int16_t value) {
  field_header(id, CompactType::i16);
  append_varint(*out_, zigzag32(value));
}

void CompactWriter::field_i32(int16_t id, int32_t value) {
  field_header(id, CompactType::i32);
  write_i32(value);
}

void CompactWriter::field_i64(int16_t id, int64_t value) {
  field_header(id, CompactType::i64);
  write_i64(value);
}

void CompactWriter::field_double(int16_t id, double value) {
  field_header(id, CompactType::double_);
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  for (int i = 0; i < 8; ++i) out_->push_back(static_cast<uint8_t>(bits >> (8 * i)));
}

void CompactWriter::field_binary(int16_t id, const void* data, std::size_t size) {
  field_header(id, CompactType::binary);
  write_binary(data, size);
}

void CompactWriter::field_struct_begin(int16_t id) {
  field_header(id, CompactType::struct_);
  begin_struct();
}

void CompactWriter::field_list_begin(int16_t id, CompactType element_type, uint32_t size) {
  field_header(id, CompactType::list);
  list_begin(element_type, size);
}

void CompactWriter::list_begin(CompactType element_type, uint32_t size) {
  if (size < 15) {
    out_->push_back(static_cast<uint8_t>((size << 4) | static_cast<uint8_t>(element_type)));
  } else {
    out_->push_back(static_cast<uint8_t>(0xF0 | static_cast<uint8_t>(element_type)));
    append_varint(*out_, size);
  }
}

void CompactWriter::write_i32(int32_t value) { append_varint(*out_, zigzag32(value)); }

void CompactWriter::write_i64(int64_t value) { append_varint(*out_, zigzag64(value)); }

void CompactWriter::write_serialized(const uint8_t* data, std::size_t size) {
  out_->insert(out_->end(), data, data + size);
}

void CompactWriter::write_binary(const void* data, std::size_t size) {
  append_varint(*out_, size);
  const auto* bytes = static_cast<const uint8_t*>(data);
  out_->insert(out_->end(), bytes, bytes + size);
}

}  // namespace simingest::parquet::thrift
