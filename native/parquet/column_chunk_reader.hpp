// Decoding one column chunk of a file simingest wrote back into its values:
// data pages v1 of a REQUIRED flat column (no levels), each UNCOMPRESSED or
// ZSTD, encoded PLAIN, BYTE_STREAM_SPLIT, DELTA_BINARY_PACKED or
// RLE_DICTIONARY over a PLAIN dictionary page — everything ColumnChunkEncoder
// emits. Anything else throws Error(corrupt) naming the source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "parquet/byte_source.hpp"
#include "parquet/decompressor.hpp"
#include "parquet/parquet_metadata.hpp"

namespace simingest::parquet {

// Bytes of one PLAIN value of a physical type: 4 (INT32, FLOAT) or 8 (INT64,
// DOUBLE); 0 for the types simingest never writes.
std::size_t physical_value_size(format::Type type) noexcept;

// Where a chunk's pages are in its file: from the dictionary page (if any) to
// the end of the last data page.
struct ChunkRange {
  uint64_t offset = 0;
  uint64_t size = 0;
};

// Checks the chunk lies inside [4, data_end) of the file and returns its range.
ChunkRange column_chunk_range(const format::ColumnMetaData& metadata, uint64_t data_end, const std::string& source);

class ColumnChunkReader {
 public:
  // Reads the chunk's bytes from `file` into `bytes` (its buffer is reused).
  void read_bytes(const ByteSource& file, const ChunkRange& range, std::vector<uint8_t>& bytes);

  // Decodes the chunk whose pages are the `size` bytes at `data` (as read by
  // read_bytes) into `values`: metadata.num_values physical values,
  // physical_value_size() bytes each, little endian.
  void decode(const format::ColumnMetaData& metadata, const uint8_t* data, std::size_t size,
              const std::string& source, std::vector<uint8_t>& values);

  // As decode, for some of the chunk's pages only (a page-index read): `data`
  // holds the dictionary page, if the chunk has one, then consecutive data
  // pages together holding exactly `rows` values, which go into `values`.
  void decode_pages(const format::ColumnMetaData& metadata, const uint8_t* data, std::size_t size, uint64_t rows,
                    const std::string& source, std::vector<uint8_t>& values);

 private:
  Decompressor decompressor_;
  std::vector<uint8_t> page_;        // one decompressed page body
  std::vector<uint8_t> dictionary_;  // PLAIN dictionary values
  std::vector<uint32_t> indices_;    // one page of dictionary indices
};

}  // namespace simingest::parquet
