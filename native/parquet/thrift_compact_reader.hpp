// A reader of the Thrift compact protocol, for the footers and page headers
// of the Parquet files simingest wrote (resumeFromStep rewrites a file that
// straddles the resume step). The counterpart of CompactWriter, written from
// the protocol spec (thrift-compact-protocol.md) and hardened for hostile
// input: every length is checked against the bytes left, nesting is bounded,
// and any defect throws Error(Status::corrupt) naming the source and offset.
// Unknown fields are skipped, so footers with fields we never write (from a
// newer simingest) still read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "parquet/thrift_compact.hpp"

namespace simingest::parquet::thrift {

class CompactReader {
 public:
  // Reads `size` bytes at `data` (not copied: they must outlive the reader).
  // `source` names them in error messages ("fields/part=0/part-1.parquet: footer").
  CompactReader(const uint8_t* data, std::size_t size, std::string source) noexcept
      : begin_(data), p_(data), end_(data + size), source_(std::move(source)) {}

  // Structs: begin_struct(), then next_field() until it returns false (the
  // stop byte, which also closes the struct). Each field's value must be
  // consumed by a read_*() or skip(type) before the next next_field().
  void begin_struct();
  bool next_field(int16_t& id, CompactType& type);

  // A boolean field carries its value in its type.
  static bool field_bool(CompactType type) noexcept { return type == CompactType::boolean_true; }
  int8_t read_i8();
  int16_t read_i16();
  int32_t read_i32();
  int64_t read_i64();
  double read_double();
  std::string read_binary();
  // A list<bool> element (one byte; 1 is true, anything else false).
  bool read_bool_element() { return read_i8() == 1; }
  // A list (or set) header: its element type and size. The size is checked
  // against the bytes left (every element takes at least one byte).
  uint32_t read_list_header(CompactType& element_type);
  // Skips one value of `type`, nested structs and lists included.
  void skip(CompactType type);

  // Bytes consumed so far.
  std::size_t position() const noexcept { return static_cast<std::size_t>(p_ - begin_); }
  // Throws Error(corrupt): "<source>: <what> at byte <position>".
  [[noreturn]] void fail(const std::string& what) const;
  // Throws unless `type` is `expected` (field `name` of the struct being read).
  void expect(CompactType type, CompactType expected, const char* name) const;

 private:
  static constexpr std::size_t kMaxDepth = 64;
  uint8_t byte();
  uint64_t varint();
  void skip_at(CompactType type, std::size_t depth);

  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  std::string source_;
  int16_t last_field_id_[kMaxDepth] = {};
  std::size_t depth_ = 0;
};

}  // namespace simingest::parquet::thrift
