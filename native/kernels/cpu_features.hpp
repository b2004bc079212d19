// Which SIMD level the hot loops (column statistics, BYTE_STREAM_SPLIT,
// non-finite scan) run at. Every kernel has a scalar twin that is always
// built; x86-64 builds add SSE4.2 and AVX2 versions, compiled per function
// with target attributes so the library itself still runs on any x86-64.
//
// The level is chosen once per process: the highest one the CPU *and* the
// OS support (AVX2 needs the OS to save YMM state, which cpuid alone does
// not tell), lowered by SIMINGEST_KERNELS=scalar|sse|avx2 when set.
#pragma once

#include <optional>
#include <string_view>

// 1 where the SSE4.2 and AVX2 kernels are built: x86-64, unless
// SIMINGEST_SCALAR_ONLY is defined (which builds what other architectures get).
#if defined(__x86_64__) && !defined(SIMINGEST_SCALAR_ONLY)
#define SIMINGEST_KERNELS_X86 1
#else
#define SIMINGEST_KERNELS_X86 0
#endif

namespace simingest::kernels {

// Ordered: a level may use every instruction of the levels below it.
enum class SimdLevel : int {
  scalar = 0,
  sse = 1,   // SSE4.2 (with SSSE3's pshufb; pcmpgtq for 64-bit lanes)
  avx2 = 2,  // AVX2, only where XCR0 says the OS saves YMM registers
};

// "scalar", "sse", "avx2".
std::string_view simd_level_name(SimdLevel level) noexcept;
// The level named `name` (the values of SIMINGEST_KERNELS), or nothing.
std::optional<SimdLevel> simd_level_from_name(std::string_view name) noexcept;

// The highest level this CPU and OS support; scalar off x86-64. Not cached.
SimdLevel detected_simd_level() noexcept;

// The level `detected` lowered by the request `requested` (the text of
// SIMINGEST_KERNELS, may be NULL). A request above `detected` or an unknown
// name leaves `detected`: the variable can only lower the level, never make
// the library execute instructions the CPU lacks.
SimdLevel resolve_simd_level(SimdLevel detected, const char* requested) noexcept;

// The level every dispatched kernel uses: resolve_simd_level(detected,
// getenv("SIMINGEST_KERNELS")), computed on first use and fixed afterwards.
// Thread-safe.
SimdLevel active_simd_level() noexcept;

// `level` if this CPU supports it, else the detected level: what the
// `*_at(level, ...)` entry points of the kernels actually run.
SimdLevel supported_simd_level(SimdLevel level) noexcept;

}  // namespace simingest::kernels
