// Avro's binary encoding of the primitive values the realtime log uses
// (Avro 1.11 specification, "Binary Encoding"): int and long as zigzag
// varints, float and double as 4 and 8 little-endian bytes, strings and
// bytes as a long length and the bytes. Writers append to a byte vector
// whose capacity is kept, so steady-state appends do not allocate; readers
// are bounds-checked cursors that report malformed input instead of reading
// past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/thrift_compact.hpp"

namespace simingest::storage::avro {

using Bytes = std::vector<uint8_t>;

// The longest varint of a 64-bit value: ceil(64 / 7) bytes.
inline constexpr std::size_t kMaxVarintBytes = 10;

inline int64_t unzigzag(uint64_t value) noexcept {
  return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1);
}

// Avro's zigzag and varint are the Thrift compact protocol's (the same
// ULEB128 of the same zigzag mapping), so appending reuses parquet/'s writer.
// put_long is the one varint loop of its own: it writes into a buffer sized
// in advance (pipeline/avro_record.cpp), with no vector to grow.

// Writes the varint of `value` at `out` (room for kMaxVarintBytes) and
// returns the bytes written.
inline std::size_t put_long(uint8_t* out, int64_t value) noexcept {
  uint64_t bits = parquet::thrift::zigzag64(value);
  std::size_t n = 0;
  while (bits >= 0x80) {
    out[n++] = static_cast<uint8_t>(bits | 0x80);
    bits >>= 7;
  }
  out[n++] = static_cast<uint8_t>(bits);
  return n;
}

inline void append_long(Bytes& out, int64_t value) {
  parquet::thrift::append_varint(out, parquet::thrift::zigzag64(value));
}

inline void append_raw(Bytes& out, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  out.insert(out.end(), bytes, bytes + size);
}

// Avro float and double are IEEE 754 little-endian: the host's layout on
// every platform simingest builds for (x86-64, AArch64).
inline void append_double(Bytes& out, double value) { append_raw(out, &value, sizeof value); }

inline void append_string(Bytes& out, std::string_view text) {
  append_long(out, static_cast<int64_t>(text.size()));
  append_raw(out, text.data(), text.size());
}

// A bounds-checked reader over one buffer. Every read returns false (and
// reads nothing) when the input is malformed or ends too early.
class Cursor {
 public:
  Cursor(const uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

  std::size_t offset() const noexcept { return offset_; }
  std::size_t remaining() const noexcept { return size_ - offset_; }
  const uint8_t* here() const noexcept { return data_ + offset_; }

  bool read_long(int64_t& value) noexcept {
    uint64_t bits = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (offset_ >= size_) return false;
      const uint8_t byte = data_[offset_++];
      bits |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        value = unzigzag(bits);
        return true;
      }
    }
    return false;  // more than 10 bytes: not a varint Avro writes
  }

  bool skip(std::size_t bytes) noexcept {
    if (bytes > remaining()) return false;
    offset_ += bytes;
    return true;
  }

  // The header of one block of an Avro array or map ("Binary Encoding"): a
  // count of items, negative when the block's size in bytes follows; a count
  // of 0 ends the array. `count` comes back as the number of items (0: the
  // end), `bytes` as the size given, or -1 when none is. False if the header
  // is malformed or cut short.
  bool read_block_header(int64_t& count, int64_t& bytes) noexcept {
    bytes = -1;
    if (!read_long(count)) return false;
    if (count >= 0) return true;
    if (count == INT64_MIN || !read_long(bytes) || bytes < 0) return false;
    count = -count;
    return true;
  }

  bool read_bytes(std::string& out) {
    int64_t length = 0;
    if (!read_long(length) || length < 0 || static_cast<uint64_t>(length) > remaining()) return false;
    out.assign(reinterpret_cast<const char*>(here()), static_cast<std::size_t>(length));
    offset_ += static_cast<std::size_t>(length);
    return true;
  }

 private:
  const uint8_t* data_;
  std::size_t size_;
  std::size_t offset_ = 0;
};

}  // namespace simingest::storage::avro
