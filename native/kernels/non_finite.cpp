#include "kernels/non_finite.hpp"

#include <cstdint>
#include <cstring>

#include "kernels/x86_kernels.hpp"

namespace simingest::kernels {

namespace {

// The scalar twin. Blocks of 64 values are tested without an early exit so
// the compiler can vectorise them at its baseline ISA.
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

std::size_t scalar_find_non_finite(Dtype dtype, const unsigned char* bytes, std::size_t count) noexcept {
  switch (dtype) {
    case Dtype::float32: return find_in<uint32_t, 0x7f800000u>(bytes, count);
    case Dtype::float64: return find_in<uint64_t, 0x7ff0000000000000ull>(bytes, count);
    default: return count;
  }
}

}  // namespace

std::size_t find_non_finite_at(SimdLevel level, Dtype dtype, const void* data, std::size_t count) noexcept {
  const auto* bytes = static_cast<const unsigned char*>(data);
  if (count == 0) return 0;
  switch (supported_simd_level(level)) {
#if SIMINGEST_KERNELS_X86
    case SimdLevel::avx2: return avx2::find_non_finite(dtype, bytes, count);
    case SimdLevel::sse: return sse::find_non_finite(dtype, bytes, count);
#endif
    default: return scalar_find_non_finite(dtype, bytes, count);
  }
}

std::size_t copy_and_find_non_finite_at(SimdLevel level, Dtype dtype, void* dst, const void* src,
                                        std::size_t count) noexcept {
  auto* out = static_cast<unsigned char*>(dst);
  const auto* in = static_cast<const unsigned char*>(src);
  if (count == 0) return 0;
  switch (supported_simd_level(level)) {
#if SIMINGEST_KERNELS_X86
    case SimdLevel::avx2: return avx2::copy_and_find_non_finite(dtype, out, in, count);
    case SimdLevel::sse: return sse::copy_and_find_non_finite(dtype, out, in, count);
#endif
    default:
      std::memcpy(out, in, count * dtype_size(dtype));
      return scalar_find_non_finite(dtype, out, count);
  }
}

std::size_t find_non_finite(Dtype dtype, const void* data, std::size_t count) noexcept {
  return find_non_finite_at(active_simd_level(), dtype, data, count);
}

std::size_t copy_and_find_non_finite(Dtype dtype, void* dst, const void* src, std::size_t count) noexcept {
  return copy_and_find_non_finite_at(active_simd_level(), dtype, dst, src, count);
}

}  // namespace simingest::kernels
