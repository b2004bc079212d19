#include "core/dtype.hpp"

namespace simingest {

namespace {
constexpr struct {
  Dtype dtype;
  std::string_view name;
} kDtypeNames[] = {
    {Dtype::float32, "float32"}, {Dtype::float64, "float64"}, {Dtype::int8, "int8"},
    {Dtype::int16, "int16"},     {Dtype::int32, "int32"},     {Dtype::int64, "int64"},
    {Dtype::uint8, "uint8"},     {Dtype::uint16, "uint16"},   {Dtype::uint32, "uint32"},
    {Dtype::uint64, "uint64"},
};
}  // namespace

std::string_view dtype_name(Dtype dtype) noexcept {
  for (const auto& entry : kDtypeNames)
    if (entry.dtype == dtype) return entry.name;
  return "invalid";
}

std::optional<Dtype> dtype_from_name(std::string_view name) noexcept {
  for (const auto& entry : kDtypeNames)
    if (entry.name == name) return entry.dtype;
  return std::nullopt;
}

std::optional<Dtype> dtype_from_c(int value) noexcept {
  for (const auto& entry : kDtypeNames)
    if (static_cast<int>(entry.dtype) == value) return entry.dtype;
  return std::nullopt;
}

}  // namespace simingest
