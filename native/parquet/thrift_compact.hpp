// A writer of the Thrift compact protocol, the encoding of every Parquet
// footer and page header. Only what Parquet metadata needs: structs, lists,
// binary/string, bool, i8/i16/i32/i64 and double. Writing only: simingest
// never reads its own metadata back outside tests.
//
// Field ids inside a struct are delta encoded against the previous field of
// the same struct, so the writer keeps a stack of "last field id", one entry
// per open struct. The stack is a fixed array: writing allocates nothing but
// what the output vector needs to grow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace simingest::parquet::thrift {

// Type ids of the compact protocol (as they appear in field and list headers).
enum class CompactType : uint8_t {
  boolean_true = 1,
  boolean_false = 2,
  i8 = 3,
  i16 = 4,
  i32 = 5,
  i64 = 6,
  double_ = 7,
  binary = 8,
  list = 9,
  set = 10,
  map = 11,
  struct_ = 12,
};

// ULEB128 of `value` appended to `out`.
void append_varint(std::vector<uint8_t>& out, uint64_t value);
// Zigzag mapping of signed to unsigned (0,-1,1,-2,... -> 0,1,2,3,...).
constexpr uint64_t zigzag64(int64_t value) noexcept {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}
constexpr uint32_t zigzag32(int32_t value) noexcept {
  return (static_cast<uint32_t>(value) << 1) ^ static_cast<uint32_t>(value >> 31);
}

class CompactWriter {
 public:
  // Appends to `out` (not cleared); `out` must outlive the writer.
  explicit CompactWriter(std::vector<uint8_t>& out) noexcept : out_(&out) {}

  // A struct that is not a field (the top-level struct, a list element).
  void begin_struct();
  // Writes the stop byte and returns to the enclosing struct.
  void end_struct();

  // Fields of the innermost open struct. Ids should increase (that is what
  // keeps headers to one byte) but any order is valid.
  void field_bool(int16_t id, bool value);
  void field_i8(int16_t id, int8_t value);
  void field_i16(int16_t id, int16_t value);
  void field_i32(int16_t id, int32_t value);
  void field_i64(int16_t id, int64_t value);
  void field_double(int16_t id, double value);
  void field_binary(int16_t id, const void* data, std::size_t size);
  void field_string(int16_t id, std::string_view value) { field_binary(id, value.data(), value.size()); }
  // Header of a struct-valued field and begin_struct(); close with end_struct().
  void field_struct_begin(int16_t id);
  // Header of a struct-valued field only: the value that follows opens with
  // begin_struct() (as the write() functions of parquet_metadata do).
  void field_struct_header(int16_t id) { field_header(id, CompactType::struct_); }
  // Header of a list-valued field; then exactly `size` elements follow.
  void field_list_begin(int16_t id, CompactType element_type, uint32_t size);

  // List elements (and bare values).
  void list_begin(CompactType element_type, uint32_t size);
  void write_i32(int32_t value);
  void write_i64(int64_t value);
  // A list<bool> element: one byte, 1 for true and 2 for false (the type ids
  // the reference implementations write; their readers take 1 as true).
  void write_bool(bool value) { out_->push_back(value ? 1 : 2); }
  void write_binary(const void* data, std::size_t size);
  void write_string(std::string_view value) { write_binary(value.data(), value.size()); }
  // A complete value serialised earlier by another writer (a list element,
  // e.g. a RowGroup struct kept since its row group was written), copied as is.
  void write_serialized(const uint8_t* data, std::size_t size);

  // Open structs (0 once the top-level struct is closed).
  std::size_t depth() const noexcept { return depth_; }

 private:
  void field_header(int16_t id, CompactType type);

  static constexpr std::size_t kMaxDepth = 32;
  std::vector<uint8_t>* out_;
  int16_t last_field_id_[kMaxDepth] = {};
  std::size_t depth_ = 0;
};

}  // namespace simingest::parquet::thrift
