// The dictionary of a dictionary-encoded column chunk: distinct values, by
// bit pattern, numbered in order of first appearance. Bit patterns, not
// numeric equality: -0.0 and +0.0 are two entries, and NaN payloads are kept,
// so the reader gets back exactly the bytes it was given.
//
// Open addressing over reused vectors: after the first chunks nothing is
// allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace simingest::parquet {

class ValueDictionary {
 public:
  void clear() noexcept;
  // Index of `bits` (a value zero-extended into 64 bits), adding it if new.
  uint32_t index_of(uint64_t bits);
  std::size_t size() const noexcept { return values_.size(); }
  // Entries in index order.
  const std::vector<uint64_t>& values() const noexcept { return values_; }

 private:
  void grow();

  std::vector<uint64_t> values_;
  std::vector<uint32_t> slots_;  // index + 1; 0 is empty. Size a power of two.
  // The last lookup, for runs of one value (the common case of arrays).
  uint64_t last_bits_ = 0;
  uint32_t last_index_ = 0;
  bool has_last_ = false;
};

// Bits needed for indices of a dictionary of `size` entries, at least 1.
int dictionary_index_bit_width(std::size_t size) noexcept;

}  // namespace simingest::parquet
