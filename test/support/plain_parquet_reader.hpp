// Test-only: reads back the values of a Parquet file written UNCOMPRESSED
// with PLAIN data pages or RLE_DICTIONARY over a PLAIN dictionary (what a
// stream with `"compression":{"codec":"none"}` and `"encoding":"plain"`
// columns produces; step and time are always dictionary encoded). Written
// from the Parquet spec on top of the spec-only Thrift reader of
// parquet/test_compact_reader.hpp, independently of the writer. Every value
// comes back as its little-endian bits (4 or 8 bytes) in a uint64_t.
// Anything unexpected throws std::runtime_error.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "parquet/test_compact_reader.hpp"

namespace simingest::testing_support {

struct PlainParquetFile {
  int64_t num_rows = 0;
  std::vector<int64_t> row_group_rows;
  std::vector<std::string> column_names;                   // file order
  std::map<std::string, std::vector<uint64_t>> columns;    // name → every row's value bits
  std::map<std::string, std::string> key_values;
};

namespace plain_parquet_detail {

inline uint64_t load_le(const uint8_t* p, std::size_t width) {
  uint64_t value = 0;
  for (std::size_t i = 0; i < width; ++i) value |= static_cast<uint64_t>(p[i]) << (8 * i);
  return value;
}

// The RLE / bit-packed hybrid (no length prefix), `count` values of `bit_width`.
inline std::vector<uint32_t> decode_hybrid(const uint8_t* p, const uint8_t* end, int bit_width, std::size_t count) {
  std::vector<uint32_t> out;
  const std::size_t value_bytes = static_cast<std::size_t>((bit_width + 7) / 8);
  while (out.size() < count) {
    uint64_t header = 0;
    int shift = 0;
    for (;;) {
      if (p >= end) throw std::runtime_error("hybrid: header past the end");
      const uint8_t b = *p++;
      header |= static_cast<uint64_t>(b & 0x7F) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (header & 1) {  // bit-packed: (header >> 1) groups of 8 values
      const std::size_t values = static_cast<std::size_t>(header >> 1) * 8;
      const std::size_t bytes = values * static_cast<std::size_t>(bit_width) / 8;
      if (static_cast<std::size_t>(end - p) < bytes) throw std::runtime_error("hybrid: bit-packed run past the end");
      for (std::size_t i = 0; i < values; ++i) {
        uint32_t v = 0;
        for (int bit = 0; bit < bit_width; ++bit) {
          const std::size_t at = i * static_cast<std::size_t>(bit_width) + static_cast<std::size_t>(bit);
          v |= static_cast<uint32_t>((p[at / 8] >> (at % 8)) & 1u) << bit;
        }
        if (out.size() < count) out.push_back(v);
      }
      p += bytes;
    } else {  // RLE: (header >> 1) repeats of one value
      const std::size_t run = static_cast<std::size_t>(header >> 1);
      if (static_cast<std::size_t>(end - p) < value_bytes) throw std::runtime_error("hybrid: RLE value past the end");
      const uint32_t v = static_cast<uint32_t>(load_le(p, value_bytes));
      p += value_bytes;
      for (std::size_t i = 0; i < run && out.size() < count; ++i) out.push_back(v);
    }
  }
  return out;
}

}  // namespace plain_parquet_detail

inline PlainParquetFile read_plain_parquet(const std::string& path) {
  using parquet::testing::CompactReader;
  using parquet::testing::split_pages;
  using parquet::testing::TValue;
  namespace detail = plain_parquet_detail;

  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 12 || std::memcmp(bytes.data(), "PAR1", 4) != 0 ||
      std::memcmp(bytes.data() + bytes.size() - 4, "PAR1", 4) != 0)
    throw std::runtime_error(path + ": no PAR1 at both ends");
  const std::size_t footer_length = detail::load_le(bytes.data() + bytes.size() - 8, 4);
  if (footer_length + 12 > bytes.size()) throw std::runtime_error(path + ": footer length out of range");
  CompactReader footer_reader(bytes.data() + bytes.size() - 8 - footer_length, footer_length);
  const TValue meta = footer_reader.read_struct();

  PlainParquetFile file;
  file.num_rows = meta[3].i;
  std::vector<std::size_t> widths;  // bytes per value, per column
  const auto& schema = meta[2].list;
  for (std::size_t i = 1; i < schema.size(); ++i) {
    file.column_names.push_back(schema[i][4].bin);
    const int64_t type = schema[i][1].i;  // 1 INT32, 2 INT64, 4 FLOAT, 5 DOUBLE
    widths.push_back(type == 1 || type == 4 ? 4 : 8);
  }
  if (meta.has(5))
    for (const TValue& kv : meta[5].list) file.key_values[kv[1].bin] = kv.has(2) ? kv[2].bin : "";

  for (const TValue& group : meta[4].list) {
    file.row_group_rows.push_back(group[3].i);
    const auto& chunks = group[1].list;
    if (chunks.size() != file.column_names.size()) throw std::runtime_error(path + ": chunk count");
    for (std::size_t c = 0; c < chunks.size(); ++c) {
      const TValue& md = chunks[c][3];
      if (md[4].i != 0) throw std::runtime_error(path + ": compressed chunk");
      const int64_t start = md.has(11) ? md[11].i : md[9].i;
      const std::size_t width = widths[c];
      std::vector<uint64_t> dictionary;
      std::vector<uint64_t>& out = file.columns[file.column_names[c]];
      const std::size_t before = out.size();
      for (const auto& page : split_pages(bytes, static_cast<std::size_t>(start), static_cast<std::size_t>(md[7].i))) {
        const uint8_t* body = bytes.data() + page.body_offset;
        const uint8_t* body_end = body + page.body_size;
        if (page.header[1].i == 2) {  // dictionary page, PLAIN values
          const int64_t n = page.header[7][1].i;
          if (static_cast<std::size_t>(n) * width > page.body_size) throw std::runtime_error(path + ": dictionary");
          for (int64_t i = 0; i < n; ++i) dictionary.push_back(detail::load_le(body + i * width, width));
          continue;
        }
        if (page.header[1].i != 0) throw std::runtime_error(path + ": not a v1 data page");
        const std::size_t n = static_cast<std::size_t>(page.header[5][1].i);
        const int64_t encoding = page.header[5][2].i;
        if (encoding == 0) {
          if (n * width > page.body_size) throw std::runtime_error(path + ": PLAIN page too short");
          for (std::size_t i = 0; i < n; ++i) out.push_back(detail::load_le(body + i * width, width));
        } else if (encoding == 8 || encoding == 2) {
          if (page.body_size < 1) throw std::runtime_error(path + ": empty dictionary-encoded page");
          for (uint32_t index : detail::decode_hybrid(body + 1, body_end, body[0], n)) {
            if (index >= dictionary.size()) throw std::runtime_error(path + ": dictionary index out of range");
            out.push_back(dictionary[index]);
          }
        } else {
          throw std::runtime_error(path + ": encoding " + std::to_string(encoding) + " not supported here");
        }
      }
      if (static_cast<int64_t>(out.size() - before) != group[3].i) throw std::runtime_error(path + ": row count");
    }
  }
  return file;
}

}  // namespace simingest::testing_support
