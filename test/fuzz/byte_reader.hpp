// Turns a fuzzer's input into the choices a harness makes. Reading past the
// end yields zeros, and every harness maps 0 to its plainest, valid choice, so
// a short input is a simple, meaningful program and the fuzzer grows it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

namespace simingest::fuzz {

class ByteReader {
 public:
  ByteReader(const uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool exhausted() const { return offset_ >= size_; }

  uint8_t byte() { return exhausted() ? 0 : data_[offset_++]; }

  // The next sizeof(T) bytes as a T (native byte order), zero-filled at the end.
  template <typename T>
  T pod() {
    static_assert(std::is_trivially_copyable<T>::value, "pod() copies bytes");
    unsigned char bytes[sizeof(T)] = {};
    for (auto& b : bytes) b = byte();
    T value;
    std::memcpy(&value, bytes, sizeof value);
    return value;
  }

  // A length byte (at most `max`), then that many bytes: any byte string,
  // including NUL and invalid UTF-8.
  std::string text(std::size_t max) {
    const std::size_t length = byte() % (max + 1);
    std::string out;
    for (std::size_t i = 0; i < length && !exhausted(); ++i) out += static_cast<char>(byte());
    return out;
  }

  // Up to `max` bytes as they are, for data; fewer if the input ends first.
  std::size_t copy(void* out, std::size_t max) {
    const std::size_t n = std::min(max, size_ - std::min(size_, offset_));
    if (n != 0) std::memcpy(out, data_ + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  const uint8_t* data_;
  std::size_t size_;
  std::size_t offset_ = 0;
};

}  // namespace simingest::fuzz
