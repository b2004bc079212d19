#include "parquet/chunk_index_reader.hpp"

#include <cstring>
#include <string>

#include "core/status.hpp"
#include "parquet/column_type.hpp"
#include "parquet/metadata_reader.hpp"

namespace simingest::parquet {

namespace {

[[noreturn]] void corrupt(const ByteSource& source, const std::string& what) {
  throw Error(Status::corrupt, source.name() + ": " + what);
}

std::vector<uint8_t> read_range(const ByteSource& source, int64_t offset, int64_t length, const char* what) {
  if (offset < 0 || length <= 0 || static_cast<uint64_t>(offset) > source.size() ||
      static_cast<uint64_t>(length) > source.size() - static_cast<uint64_t>(offset))
    corrupt(source, std::string(what) + " lies outside the file");
  std::vector<uint8_t> bytes(static_cast<std::size_t>(length));
  source.read_at(static_cast<uint64_t>(offset), bytes.data(), bytes.size());
  return bytes;
}

template <class T>
T decode(const ByteSource& source, const std::vector<uint8_t>& bytes, const char* what) {
  thrift::CompactReader reader(bytes.data(), bytes.size(), source.name() + ": " + what);
  T value;
  format::read(reader, value);
  return value;
}

// A page bound back into ColumnStats bits (the inverse of min/max_value_bytes).
bool load_bound(Dtype dtype, const std::string& bytes, uint64_t& bits) {
  if (bytes.size() != column_type_of(dtype).physical_size) return false;
  bits = 0;
  std::memcpy(&bits, bytes.data(), dtype_size(dtype));  // little endian: the dtype's bytes are the low ones
  return true;
}

}  // namespace

std::vector<DataPageEntry> read_page_entries(const ByteSource& source, const format::ColumnChunk& chunk,
                                             Dtype dtype, int64_t chunk_start, int64_t chunk_size) {
  std::vector<DataPageEntry> pages;
  if (!chunk.offset_index_offset || !chunk.offset_index_length) return pages;
  const auto offsets = decode<format::OffsetIndex>(
      source, read_range(source, *chunk.offset_index_offset, *chunk.offset_index_length, "an offset index"),
      "offset index");
  for (const format::PageLocation& location : offsets.page_locations) {
    DataPageEntry page;
    page.offset = location.offset - chunk_start;
    page.size = location.compressed_page_size;
    page.first_row = location.first_row_index;
    if (page.offset < 0 || page.size <= 0 || page.offset + page.size > chunk_size)
      corrupt(source, "the offset index names a page outside its column chunk");
    pages.push_back(page);
  }
  if (!chunk.column_index_offset || !chunk.column_index_length) return pages;
  const auto bounds = decode<format::ColumnIndex>(
      source, read_range(source, *chunk.column_index_offset, *chunk.column_index_length, "a column index"),
      "column index");
  if (bounds.null_pages.size() != pages.size())
    corrupt(source, "the column index and the offset index count different pages");
  for (std::size_t i = 0; i < pages.size(); ++i) {
    ColumnStats& stats = pages[i].stats;
    if (!bounds.nan_counts.empty()) stats.nan_count = static_cast<uint64_t>(bounds.nan_counts[i]);
    stats.has_min_max = !bounds.null_pages[i] && load_bound(dtype, bounds.min_values[i], stats.min_bits) &&
                        load_bound(dtype, bounds.max_values[i], stats.max_bits);
  }
  return pages;
}

std::vector<uint32_t> read_bloom_filter(const ByteSource& source, const format::ColumnMetaData& metadata) {
  std::vector<uint32_t> words;
  if (!metadata.bloom_filter_offset || !metadata.bloom_filter_length) return words;
  const std::vector<uint8_t> bytes =
      read_range(source, *metadata.bloom_filter_offset, *metadata.bloom_filter_length, "a bloom filter");
  thrift::CompactReader reader(bytes.data(), bytes.size(), source.name() + ": bloom filter");
  format::BloomFilterHeader header;
  format::read(reader, header);
  const std::size_t bitset = bytes.size() - reader.position();
  if (bitset != static_cast<std::size_t>(header.num_bytes))
    corrupt(source, "a bloom filter's bitset is not the size its header says");
  words.resize(bitset / 4);
  std::memcpy(words.data(), bytes.data() + reader.position(), bitset);  // little-endian words
  return words;
}

}  // namespace simingest::parquet
