#include "parquet/thrift_compact_reader.hpp"

#include <cstring>
#include <limits>

#include "core/status.hpp"

namespace simingest::parquet::thrift {

namespace {

int64_t unzigzag(uint64_t value) noexcept {
  return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1);
}

}  // namespace

void CompactReader::fail(const std::string& what) const {
  throw Error(Status::corrupt, source_ + ": " + what + " at byte " + std::to_string(position()));
}

void CompactReader::expect(CompactType type, CompactType expected, const char* name) const {
  // Booleans come as either of two types.
  const bool both_bool = (type == CompactType::boolean_true || type == CompactType::boolean_false) &&
                         (expected == CompactType::boolean_true || expected == CompactType::boolean_false);
  if (type != expected && !both_bool)
    fail(std::string("field ") + name + " has compact type " + std::to_string(static_cast<int>(type)) +
         ", expected " + std::to_string(static_cast<int>(expected)));
}

uint8_t CompactReader::byte() {
  if (p_ == end_) fail("unexpected end of data");
  return *p_++;
}

uint64_t CompactReader::varint() {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    const uint8_t b = byte();
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return result;
  }
  fail("varint longer than 10 bytes");
}

void CompactReader::begin_struct() {
  if (depth_ == kMaxDepth) fail("structs nested too deeply");
  last_field_id_[depth_++] = 0;
}

bool CompactReader::next_field(int16_t& id, CompactType& type) {
  if (depth_ == 0) fail("field outside a struct");
  const uint8_t header = byte();
  if (header == 0) {
    --depth_;
    return false;
  }
  const int kind = header & 0x0F;
  if (kind > static_cast<int>(CompactType::struct_)) fail("unknown compact type " + std::to_string(kind));
  type = static_cast<CompactType>(kind);
  const int delta = header >> 4;
  int16_t& last = last_field_id_[depth_ - 1];
  if (delta != 0) {
    const int value = last + delta;
    if (value > std::numeric_limits<int16_t>::max()) fail("field id out of range");
    id = static_cast<int16_t>(value);
  } else {
    const int64_t value = unzigzag(varint());
    if (value < std::numeric_limits<int16_t>::min() || value > std::numeric_limits<int16_t>::max())
      fail("field id out of range");
    id = static_cast<int16_t>(value);
  }
  last = id;
  return true;
}

int8_t CompactReader::read_i8() { return static_cast<int8_t>(byte()); }

int16_t CompactReader::read_i16() {
  const int64_t value = unzigzag(varint());
  if (value < std::numeric_limits<int16_t>::min() || value > std::numeric_limits<int16_t>::max())
    fail("i16 out of range");
  return static_cast<int16_t>(value);
}

int32_t CompactReader::read_i32() {
  const int64_t value = unzigzag(varint());
  if (value < std::numeric_limits<int32_t>::min() || value > std::numeric_limits<int32_t>::max())
    fail("i32 out of range");
  return static_cast<int32_t>(value);
}

int64_t CompactReader::read_i64() { return unzigzag(varint()); }

double CompactReader::read_double() {
  if (end_ - p_ < 8) fail("unexpected end of data");
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(p_[i]) << (8 * i);
  p_ += 8;
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

std::string CompactReader::read_binary() {
  const uint64_t size = varint();
  if (size > static_cast<uint64_t>(end_ - p_)) fail("binary of " + std::to_string(size) + " bytes past the end");
  std::string out(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(size));
  p_ += size;
  return out;
}

uint32_t CompactReader::read_list_header(CompactType& element_type) {
  const uint8_t header = byte();
  uint64_t size = header >> 4;
  if (size == 15) size = varint();
  const int kind = header & 0x0F;
  // Element type ids are those of fields, except that booleans are one type.
  if (kind == 0 || kind > static_cast<int>(CompactType::struct_))
    fail("unknown list element type " + std::to_string(kind));
  element_type = static_cast<CompactType>(kind);
  if (size > static_cast<uint64_t>(end_ - p_)) fail("list of " + std::to_string(size) + " elements past the end");
  return static_cast<uint32_t>(size);
}

void CompactReader::skip(CompactType type) { skip_at(type, 0); }

void CompactReader::skip_at(CompactType type, std::size_t depth) {
  if (depth > kMaxDepth) fail("values nested too deeply");
  switch (type) {
    case CompactType::boolean_true:
    case CompactType::boolean_false: return;  // a field: the value was the type
    case CompactType::i8: byte(); return;
    case CompactType::i16:
    case CompactType::i32:
    case CompactType::i64: varint(); return;
    case CompactType::double_: read_double(); return;
    case CompactType::binary: {
      const uint64_t size = varint();
      if (size > static_cast<uint64_t>(end_ - p_)) fail("binary past the end");
      p_ += size;
      return;
    }
    case CompactType::list:
    case CompactType::set: {
      CompactType element;
      const uint32_t size = read_list_header(element);
      for (uint32_t i = 0; i < size; ++i) {
        // Boolean elements are one byte each (not carried in a type).
        if (element == CompactType::boolean_true || element == CompactType::boolean_false)
          byte();
        else
          skip_at(element, depth + 1);
      }
      return;
    }
    case CompactType::map: {
      const uint64_t size = varint();
      if (size == 0) return;
      if (size > static_cast<uint64_t>(end_ - p_)) fail("map past the end");
      const uint8_t types = byte();
      const auto key = static_cast<CompactType>(types >> 4);
      const auto value = static_cast<CompactType>(types & 0x0F);
      if ((types >> 4) == 0 || (types >> 4) > 12 || (types & 0x0F) == 0 || (types & 0x0F) > 12)
        fail("unknown map element type");
      for (uint64_t i = 0; i < size; ++i) {
        for (CompactType t : {key, value}) {
          if (t == CompactType::boolean_true || t == CompactType::boolean_false)
            byte();
          else
            skip_at(t, depth + 1);
        }
      }
      return;
    }
    case CompactType::struct_: {
      begin_struct();
      int16_t id;
      CompactType field;
      while (next_field(id, field)) skip_at(field, depth + 1);
      return;
    }
  }
  fail("unknown compact type " + std::to_string(static_cast<int>(type)));
}

}  // namespace simingest::parquet::thrift
