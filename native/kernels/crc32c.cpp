#include "kernels/crc32c.hpp"

#include <array>
#include <cstring>

#include "kernels/x86_kernels.hpp"

namespace simingest::kernels {

namespace {

constexpr uint32_t kPolynomial = 0x82F63B78u;  // reflected Castagnoli polynomial

using Tables = std::array<std::array<uint32_t, 256>, 8>;

// tables[0] is the classic byte-at-a-time table; tables[k][b] is the CRC
// register after byte b is followed by k zero bytes, so eight bytes can be
// folded with eight independent look-ups (slicing-by-8).
constexpr Tables make_tables() {
  Tables tables{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (kPolynomial & (0u - (crc & 1u)));
    tables[0][b] = crc;
  }
  for (std::size_t k = 1; k < 8; ++k)
    for (std::size_t b = 0; b < 256; ++b)
      tables[k][b] = (tables[k - 1][b] >> 8) ^ tables[0][tables[k - 1][b] & 0xffu];
  return tables;
}

constexpr Tables kTables = make_tables();

// The scalar twin, on the raw register (no inversion).
uint32_t scalar_update(uint32_t crc, const unsigned char* bytes, std::size_t size) noexcept {
  for (; size >= 8; size -= 8, bytes += 8) {
    uint32_t low, high;
    std::memcpy(&low, bytes, 4);
    std::memcpy(&high, bytes + 4, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    low = __builtin_bswap32(low);
    high = __builtin_bswap32(high);
#endif
    low ^= crc;
    crc = kTables[7][low & 0xffu] ^ kTables[6][(low >> 8) & 0xffu] ^ kTables[5][(low >> 16) & 0xffu] ^
          kTables[4][low >> 24] ^ kTables[3][high & 0xffu] ^ kTables[2][(high >> 8) & 0xffu] ^
          kTables[1][(high >> 16) & 0xffu] ^ kTables[0][high >> 24];
  }
  for (; size > 0; --size, ++bytes) crc = (crc >> 8) ^ kTables[0][(crc ^ *bytes) & 0xffu];
  return crc;
}

}  // namespace

uint32_t crc32c_extend_at(SimdLevel level, uint32_t crc, const void* data, std::size_t size) noexcept {
  const auto* bytes = static_cast<const unsigned char*>(data);
  const uint32_t raw = ~crc;
#if SIMINGEST_KERNELS_X86
  if (supported_simd_level(level) >= SimdLevel::sse) return ~sse::crc32c_update(raw, bytes, size);
#else
  (void)level;
#endif
  return ~scalar_update(raw, bytes, size);
}

uint32_t crc32c_extend(uint32_t crc, const void* data, std::size_t size) noexcept {
  return crc32c_extend_at(active_simd_level(), crc, data, size);
}

}  // namespace simingest::kernels
