// The SSE4.2 level of CRC-32C: the `crc32` instruction, eight bytes at a
// time. Compiled for SSE4.2 inside the target region only (target_region.hpp),
// called by crc32c.cpp only where the CPU has it.
#include "kernels/cpu_features.hpp"

#if SIMINGEST_KERNELS_X86

// Every header with code the scalar path may also use comes before the
// target region (see target_region.hpp).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/target_region.hpp"
#include "kernels/x86_kernels.hpp"

SIMINGEST_TARGET_BEGIN("sse4.2")

namespace simingest::kernels::sse {

uint32_t crc32c_update(uint32_t crc, const unsigned char* bytes, std::size_t size) noexcept {
  // Byte steps up to an 8-byte boundary, so the loads of the main loop are aligned.
  while (size > 0 && (reinterpret_cast<std::uintptr_t>(bytes) & 7u) != 0) {
    crc = _mm_crc32_u8(crc, *bytes++);
    --size;
  }
  uint64_t wide = crc;
  for (; size >= 8; size -= 8, bytes += 8) {
    uint64_t word;
    std::memcpy(&word, bytes, 8);
    wide = _mm_crc32_u64(wide, word);
  }
  crc = static_cast<uint32_t>(wide);
  for (; size > 0; --size) crc = _mm_crc32_u8(crc, *bytes++);
  return crc;
}

}  // namespace simingest::kernels::sse

SIMINGEST_TARGET_END

#endif  // SIMINGEST_KERNELS_X86
