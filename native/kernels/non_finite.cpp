#include "kernels/non_finite.hpp"

#include <cstdint>
#include <cstring>

namespace simingest::kernels {

namespace {
// A float is non-finite exactly when its exponent bits are all ones; testing
// bits keeps the loop branch-light and free of floating-point exceptions.
template <typename Bits, Bits kExponentMask>
std::size_t find_in(const unsigned char* bytes, std::size_t count) noexcept {
  constexpr std::size_t kBlock = 64;
  std::size_t i = 0;
  for (; i + kBlock <= count; i += kBlock) {
    bool any = false;
    for (std::size_t k = 0; k < kBlock; ++k) {
      Bits v;
      std::memcpy(&v, bytes + (i + k) * sizeof(Bits), sizeof(Bits));
      any |= (v & kExponentMask) == kExponentMask;
    }
    if (any) break;
  }
  for (; i < count; ++i) {
    Bits v;
    std::memcpy(&v, bytes + i * sizeof(Bits), sizeof(Bits));
    if ((v & kExponentMask) == kExponentMask) return i;
  }
  return count;
}
}  // namespace

std::size_t find_non_finite(Dtype dtype, const void* data, std::size_t count) noexcept {
  const auto* bytes = static_cast<const unsigned char*>(data);
  switch (dtype) {
    case Dtype::float32: return find_in<uint32_t, 0x7f800000u>(bytes, count);
    case Dtype::float64: return find_in<uint64_t, 0x7ff0000000000000ull>(bytes, count);
    default: return count;
  }
}

}  // namespace simingest::kernels
