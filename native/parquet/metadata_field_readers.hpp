// The field readers that every decoder of parquet.thrift structs shares
// (metadata_reader.cpp, index_metadata_reader.cpp): typed reads that name the
// field when its wire type is wrong, and the check of required fields.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "parquet/thrift_compact_reader.hpp"

namespace simingest::parquet::format {

using thrift::CompactReader;
using thrift::CompactType;

// Which required fields of a struct were seen (ids are small).
class Required {
 public:
  explicit Required(const char* name) : name_(name) {}
  void seen(int16_t id) noexcept {
    if (id >= 0 && id < 64) bits_ |= uint64_t{1} << id;
  }
  void check(const CompactReader& r, std::initializer_list<int16_t> ids) const {
    for (int16_t id : ids)
      if ((bits_ & (uint64_t{1} << id)) == 0)
        r.fail(std::string(name_) + ": required field " + std::to_string(id) + " is missing");
  }

 private:
  const char* name_;
  uint64_t bits_ = 0;
};

template <class Enum>
Enum read_enum(CompactReader& r, CompactType type, const char* name) {
  r.expect(type, CompactType::i32, name);
  return static_cast<Enum>(r.read_i32());
}

inline int32_t read_i32(CompactReader& r, CompactType type, const char* name) {
  r.expect(type, CompactType::i32, name);
  return r.read_i32();
}

inline int64_t read_i64(CompactReader& r, CompactType type, const char* name) {
  r.expect(type, CompactType::i64, name);
  return r.read_i64();
}

inline std::string read_binary(CompactReader& r, CompactType type, const char* name) {
  r.expect(type, CompactType::binary, name);
  return r.read_binary();
}

// A list<element> field: calls element() once per element.
template <class Fn>
void read_list(CompactReader& r, CompactType type, CompactType element_type, const char* name, Fn&& element) {
  r.expect(type, CompactType::list, name);
  CompactType actual;
  const uint32_t size = r.read_list_header(actual);
  if (size > 0) r.expect(actual, element_type, name);
  for (uint32_t i = 0; i < size; ++i) element();
}

}  // namespace simingest::parquet::format
