#include "kernels/cpu_features.hpp"

#include <cstdint>
#include <cstdlib>

#if SIMINGEST_KERNELS_X86
#include <cpuid.h>
#endif

namespace simingest::kernels {

namespace {

#if SIMINGEST_KERNELS_X86
// XCR0 through xgetbv; only valid when cpuid reports OSXSAVE.
uint64_t read_xcr0() noexcept {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (uint64_t{edx} << 32) | eax;
}

SimdLevel detect_x86() noexcept {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return SimdLevel::scalar;
  const bool ssse3 = ecx & (1u << 9);
  const bool sse41 = ecx & (1u << 19);
  const bool sse42 = ecx & (1u << 20);
  const bool osxsave = ecx & (1u << 27);
  const bool avx = ecx & (1u << 28);
  if (!(ssse3 && sse41 && sse42)) return SimdLevel::scalar;
  // cpuid says what the core can execute; XCR0 bits 1 (SSE) and 2 (AVX)
  // say whether the OS saves XMM and YMM state across context switches.
  if (!(osxsave && avx) || (read_xcr0() & 0x6) != 0x6) return SimdLevel::sse;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return SimdLevel::sse;
  const bool avx2 = ebx & (1u << 5);
  return avx2 ? SimdLevel::avx2 : SimdLevel::sse;
}
#endif

}  // namespace

std::string_view simd_level_name(SimdLevel level) noexcept {
  switch (level) {
    case SimdLevel::scalar: return "scalar";
    case SimdLevel::sse: return "sse";
    case SimdLevel::avx2: return "avx2";
  }
  return "invalid";
}

std::optional<SimdLevel> simd_level_from_name(std::string_view name) noexcept {
  for (SimdLevel level : {SimdLevel::scalar, SimdLevel::sse, SimdLevel::avx2})
    if (name == simd_level_name(level)) return level;
  return std::nullopt;
}

SimdLevel detected_simd_level() noexcept {
#if SIMINGEST_KERNELS_X86
  return detect_x86();
#else
  return SimdLevel::scalar;
#endif
}

SimdLevel resolve_simd_level(SimdLevel detected, const char* requested) noexcept {
  if (requested == nullptr) return detected;
  const auto level = simd_level_from_name(requested);
  if (!level || *level > detected) return detected;
  return *level;
}

SimdLevel active_simd_level() noexcept {
  static const SimdLevel level = resolve_simd_level(detected_simd_level(), std::getenv("SIMINGEST_KERNELS"));
  return level;
}

SimdLevel supported_simd_level(SimdLevel level) noexcept {
  static const SimdLevel detected = detected_simd_level();
  return level > detected ? detected : level;
}

}  // namespace simingest::kernels
