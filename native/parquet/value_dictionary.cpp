#include "parquet/value_dictionary.hpp"

#include <algorithm>

namespace simingest::parquet {

namespace {

uint64_t mix(uint64_t x) noexcept {
  // splitmix64 finaliser: spreads nearby integers and float bit patterns.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

void ValueDictionary::clear() noexcept {
  values_.clear();
  std::fill(slots_.begin(), slots_.end(), 0u);
  has_last_ = false;
}

uint32_t ValueDictionary::index_of(uint64_t bits) {
  if (has_last_ && bits == last_bits_) return last_index_;
  if ((values_.size() + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  std::size_t slot = mix(bits) & mask;
  while (true) {
    const uint32_t entry = slots_[slot];
    if (entry == 0) {
      values_.push_back(bits);
      slots_[slot] = static_cast<uint32_t>(values_.size());
      last_index_ = static_cast<uint32_t>(values_.size() - 1);
      break;
    }
    if (values_[entry - 1] == bits) {
      last_index_ = entry - 1;
      break;
    }
    slot = (slot + 1) & mask;
  }
  last_bits_ = bits;
  has_last_ = true;
  return last_index_;
}

void ValueDictionary::grow() {
  const std::size_t capacity = std::max<std::size_t>(64, slots_.size() * 2);
  slots_.assign(capacity, 0u);
  const std::size_t mask = capacity - 1;
  for (std::size_t i = 0; i < values_.size(); ++i) {
    std::size_t slot = mix(values_[i]) & mask;
    while (slots_[slot] != 0) slot = (slot + 1) & mask;
    slots_[slot] = static_cast<uint32_t>(i + 1);
  }
}

int dictionary_index_bit_width(std::size_t size) noexcept {
  // Width 0 (one entry) is legal but some decoders mishandle it; 1 costs nothing.
  int bits = 1;
  while (bits < 32 && (std::size_t{1} << bits) < size) ++bits;
  return bits;
}

}  // namespace simingest::parquet
