// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and
// final XOR 0xFFFFFFFF): the checksum of every committed file, its footer and
// the manifest (docs/ON_DISK.md, docs/adr/0009-crc32c-checksums.md).
//
// The SSE4.2 level uses the `crc32` instruction, which computes exactly this
// polynomial; the scalar twin (slicing-by-8 tables) runs everywhere else and
// gives the same value for every input.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/cpu_features.hpp"

namespace simingest::kernels {

// The CRC-32C of the bytes whose CRC-32C is `crc`, followed by `size` bytes
// at `data` (any alignment). crc32c_extend(0, ...) is the CRC of the bytes
// alone, so a file's CRC can be accumulated one write at a time:
// crc32c_extend(crc32c_extend(0, a), b) == CRC-32C of a followed by b.
uint32_t crc32c_extend(uint32_t crc, const void* data, std::size_t size) noexcept;

inline uint32_t crc32c(const void* data, std::size_t size) noexcept { return crc32c_extend(0, data, size); }

// The same at supported_simd_level(level): for tests and benchmarks. Levels
// above sse run the sse code (AVX2 adds nothing to CRC-32C).
uint32_t crc32c_extend_at(SimdLevel level, uint32_t crc, const void* data, std::size_t size) noexcept;

}  // namespace simingest::kernels
