// CRC-32C computed bit by bit, straight from its definition (reflected
// polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF): the
// independent reference tests hold kernels/crc32c and the checksums written
// to disk to. Slow; test-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace simingest::testing_support {

inline uint32_t reference_crc32c(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= bytes[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

inline uint32_t reference_crc32c(const std::string& bytes) { return reference_crc32c(bytes.data(), bytes.size()); }

}  // namespace simingest::testing_support
