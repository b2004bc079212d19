// Reading an enum field of a struct a C caller filled in. C lets the caller
// store any int there; loading a value outside the enumerators as the C++
// enum type is undefined behaviour (UBSan flags it), so every such field is
// read through c_enum_value: its bytes as the int32_t they are.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace simingest {

template <typename CEnum>
int32_t c_enum_value(const CEnum& field) noexcept {
  static_assert(std::is_enum_v<CEnum>, "for enum fields of C ABI structs");
  static_assert(sizeof(CEnum) == sizeof(int32_t), "C enums are int-sized on every supported ABI");
  int32_t value = 0;
  std::memcpy(&value, &field, sizeof value);
  return value;
}

}  // namespace simingest
