// Test-only: a minimal Thrift compact protocol *reader*, written from the
// spec independently of CompactWriter, so tests can take apart the page
// headers and footers the writer produced. Values are kept generically:
// integers (zigzag-decoded), binary, lists and nested structs.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace simingest::parquet::testing {

struct TValue {
  int kind = 0;  // compact type id; bools are 1 with `i` 0/1
  int64_t i = 0;
  double d = 0;
  std::string bin;
  std::vector<TValue> list;
  std::map<int, TValue> fields;  // structs

  const TValue& operator[](int id) const {
    auto it = fields.find(id);
    if (it == fields.end()) throw std::runtime_error("missing field " + std::to_string(id));
    return it->second;
  }
  bool has(int id) const { return fields.count(id) != 0; }
};

class CompactReader {
 public:
  CompactReader(const uint8_t* data, std::size_t size) : p_(data), end_(data + size) {}
  std::size_t consumed(const uint8_t* start) const { return static_cast<std::size_t>(p_ - start); }
  const uint8_t* position() const { return p_; }

  uint64_t varint() {
    uint64_t result = 0;
    int shift = 0;
    while (true) {
      const uint8_t b = byte();
      result |= static_cast<uint64_t>(b & 0x7F) << shift;
      shift += 7;
      if (!(b & 0x80)) return result;
    }
  }
  int64_t zigzag() {
    const uint64_t v = varint();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }

  TValue read_struct() {
    TValue s;
    s.kind = 12;
    int last = 0;
    while (true) {
      const uint8_t h = byte();
      if (h == 0) return s;
      const int kind = h & 0x0F, delta = h >> 4;
      const int id = delta ? last + delta : static_cast<int>(zigzag());
      last = id;
      s.fields[id] = read_value(kind);
    }
  }

  TValue read_value(int kind) {
    TValue v;
    v.kind = kind;
    switch (kind) {
      case 1: case 2: v.kind = 1; v.i = kind == 1; return v;
      case 3: v.i = static_cast<int8_t>(byte()); return v;
      case 4: case 5: case 6: v.i = zigzag(); return v;
      case 7: {
        uint64_t bits = 0;
        for (int b = 0; b < 8; ++b) bits |= static_cast<uint64_t>(byte()) << (8 * b);
        std::memcpy(&v.d, &bits, 8);
        return v;
      }
      case 8: {
        const uint64_t n = varint();
        if (static_cast<uint64_t>(end_ - p_) < n) throw std::runtime_error("binary past the end");
        v.bin.assign(reinterpret_cast<const char*>(p_), n);
        p_ += n;
        return v;
      }
      case 9: {
        const uint8_t h = byte();
        uint64_t n = h >> 4;
        if (n == 15) n = varint();
        for (uint64_t k = 0; k < n; ++k) v.list.push_back(read_value(h & 0x0F));
        return v;
      }
      case 12: return read_struct();
      default: throw std::runtime_error("unknown compact type " + std::to_string(kind));
    }
  }

 private:
  uint8_t byte() {
    if (p_ == end_) throw std::runtime_error("read past the end");
    return *p_++;
  }
  const uint8_t* p_;
  const uint8_t* end_;
};

// One page of a chunk: its header and where its body is.
struct TestPage {
  TValue header;
  std::size_t body_offset = 0;
  std::size_t body_size = 0;
};

inline std::vector<TestPage> split_pages(const std::vector<uint8_t>& bytes, std::size_t start = 0,
                                         std::size_t length = SIZE_MAX) {
  if (length == SIZE_MAX) length = bytes.size() - start;
  std::vector<TestPage> pages;
  std::size_t pos = start;
  while (pos < start + length) {
    CompactReader r(bytes.data() + pos, bytes.size() - pos);
    TestPage page;
    page.header = r.read_struct();
    page.body_offset = pos + r.consumed(bytes.data() + pos);
    page.body_size = static_cast<std::size_t>(page.header[3].i);
    pos = page.body_offset + page.body_size;
    pages.push_back(std::move(page));
  }
  if (pos != start + length) throw std::runtime_error("pages overrun the chunk");
  return pages;
}

}  // namespace simingest::parquet::testing
