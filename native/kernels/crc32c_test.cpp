#include "kernels/crc32c.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel_test_data.hpp"
#include "support/crc32c_reference.hpp"

namespace simingest::kernels {
namespace {

std::vector<SimdLevel> all_levels() {
  auto levels = test_data::simd_levels();
  levels.insert(levels.begin(), SimdLevel::scalar);
  return levels;
}

using testing_support::reference_crc32c;

TEST(Crc32cKernel, every_level_gives_the_published_check_values) {
  // The CRC catalogue's check value for "123456789" and the four 32-byte
  // vectors of RFC 3720 (iSCSI), appendix B.4.
  std::vector<unsigned char> zeros(32, 0x00), ones(32, 0xFF), up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<unsigned char>(i);
    down[i] = static_cast<unsigned char>(31 - i);
  }
  for (SimdLevel level : all_levels()) {
    SCOPED_TRACE(std::string(simd_level_name(level)));
    EXPECT_EQ(crc32c_extend_at(level, 0, "123456789", 9), 0xE3069283u);
    EXPECT_EQ(crc32c_extend_at(level, 0, zeros.data(), 32), 0x8A9136AAu);
    EXPECT_EQ(crc32c_extend_at(level, 0, ones.data(), 32), 0x62A8AB43u);
    EXPECT_EQ(crc32c_extend_at(level, 0, up.data(), 32), 0x46DD794Eu);
    EXPECT_EQ(crc32c_extend_at(level, 0, down.data(), 32), 0x113FDB5Cu);
    EXPECT_EQ(crc32c_extend_at(level, 0, "", 0), 0u);
  }
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
}

TEST(Crc32cKernel, every_level_equals_the_bitwise_reference_at_any_length_and_alignment) {
  std::mt19937_64 random(7);
  std::vector<unsigned char> buffer(4096 + 64);
  for (auto& byte : buffer) byte = static_cast<unsigned char>(random());
  for (std::size_t size = 0; size <= 300; ++size) {
    const std::size_t offset = random() % 16;
    const uint32_t expected = reference_crc32c(buffer.data() + offset, size);
    for (SimdLevel level : all_levels())
      ASSERT_EQ(crc32c_extend_at(level, 0, buffer.data() + offset, size), expected)
          << simd_level_name(level) << " size " << size << " offset " << offset;
  }
  const uint32_t expected = reference_crc32c(buffer.data() + 3, 4096);
  for (SimdLevel level : all_levels()) EXPECT_EQ(crc32c_extend_at(level, 0, buffer.data() + 3, 4096), expected);
}

TEST(Crc32cKernel, scalar_and_simd_agree_on_large_random_inputs) {
  std::mt19937_64 random(11);
  std::vector<unsigned char> buffer(3 << 20);
  for (auto& byte : buffer) byte = static_cast<unsigned char>(random());
  for (int trial = 0; trial < 20; ++trial) {
    const std::size_t offset = random() % 4096;
    const std::size_t size = random() % (buffer.size() - offset);
    const uint32_t scalar = crc32c_extend_at(SimdLevel::scalar, 0, buffer.data() + offset, size);
    for (SimdLevel level : test_data::simd_levels())
      ASSERT_EQ(crc32c_extend_at(level, 0, buffer.data() + offset, size), scalar) << simd_level_name(level);
  }
}

TEST(Crc32cKernel, extending_piece_by_piece_equals_the_crc_of_the_whole) {
  std::mt19937_64 random(3);
  std::vector<unsigned char> bytes(100000);
  for (auto& byte : bytes) byte = static_cast<unsigned char>(random());
  const uint32_t whole = reference_crc32c(bytes.data(), bytes.size());
  for (SimdLevel level : all_levels()) {
    uint32_t crc = 0;
    std::size_t at = 0;
    while (at < bytes.size()) {
      const std::size_t piece = std::min<std::size_t>(random() % 5000, bytes.size() - at);
      crc = crc32c_extend_at(level, crc, bytes.data() + at, piece);
      at += piece;
    }
    EXPECT_EQ(crc, whole) << simd_level_name(level);
  }
}

TEST(Crc32cKernel, a_single_flipped_bit_changes_the_crc) {
  std::vector<unsigned char> bytes(1000, 0x5A);
  const uint32_t clean = crc32c(bytes.data(), bytes.size());
  for (std::size_t bit = 0; bit < bytes.size() * 8; bit += 37) {
    bytes[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
    EXPECT_NE(crc32c(bytes.data(), bytes.size()), clean) << bit;
    bytes[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
  }
}

}  // namespace
}  // namespace simingest::kernels
