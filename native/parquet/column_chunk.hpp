// Encoding one column chunk: the unit of parallel work of the engine.
//
// A worker turns the values of one column over the frames of one row group
// (given as segments, each either an array or one scalar repeated) into the
// bytes of a Parquet column chunk: an optional dictionary page followed by
// data pages of about `page_bytes` uncompressed bytes, each compressed on its
// own. The bytes are position independent (offsets are relative to the start
// of the chunk) so the file writer can place them anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/column_stats.hpp"
#include "core/dtype.hpp"
#include "core/format_choices.hpp"

namespace simingest::parquet {

// The values of one column in one frame.
struct ValueSegment {
  const void* data = nullptr;  // `count` values, or one value when is_scalar
  std::size_t count = 0;       // rows this segment covers
  bool is_scalar = false;
};

// A leaf column as the file schema declares it (all columns are REQUIRED).
struct ColumnDescriptor {
  ColumnDescriptor() = default;
  // Name, dtype and encoding: what most columns need (no bloom filter).
  ColumnDescriptor(std::string n, Dtype d, ColumnEncoding e = ColumnEncoding::automatic)
      : name(std::move(n)), dtype(d), encoding(e) {}

  std::string name;
  Dtype dtype = Dtype::float64;
  ColumnEncoding encoding = ColumnEncoding::automatic;
  BloomFilterChoice bloom_filter;  // a filter per chunk when enabled
  // Nonzero: each chunk's filter has exactly this many bytes (a power of two
  // >= 32), whatever bloom_filter's ndv and fpp: a rewritten chunk keeps the
  // size of the filter it replaces.
  uint32_t bloom_filter_bytes = 0;
};

// Parquet's Encoding enum values that a chunk may use (parquet.thrift).
enum class Encoding : int32_t {
  plain = 0,
  rle = 3,
  delta_binary_packed = 5,
  rle_dictionary = 8,
  byte_stream_split = 9,
};

// One data page of a chunk, for the page index (PageIndex.md).
struct DataPageEntry {
  int64_t offset = 0;     // of its header, relative to bytes[0]
  int32_t size = 0;       // header plus compressed body
  int64_t first_row = 0;  // within the chunk
  // Of the page's values. has_min_max false (all NaN, no values, or not
  // known for a copied chunk) leaves the chunk without a ColumnIndex.
  ColumnStats stats;
};

struct EncodedColumnChunk {
  std::vector<uint8_t> bytes;          // pages, ready to be written contiguously
  int64_t dictionary_page_offset = -1; // relative to bytes[0]; -1 without one
  int64_t data_page_offset = 0;        // relative to bytes[0]
  int64_t num_values = 0;              // rows
  int64_t total_uncompressed_size = 0; // page headers + uncompressed page bodies
  std::vector<Encoding> encodings;     // every encoding any page uses, no repeats
  ColumnStats stats;                   // as given to encode()
  Codec codec = Codec::none;           // every page of the chunk is compressed with it
  int64_t compress_ns = 0;             // time spent in the codec, for the engine's stage statistics
  std::vector<DataPageEntry> pages;    // every data page in order; empty: no page index
  std::vector<uint32_t> bloom_filter;  // the split-block filter's words (8 per block); empty: none
  int64_t total_compressed_size() const noexcept { return static_cast<int64_t>(bytes.size()); }
};

struct EncoderOptions {
  Codec codec = Codec::zstd;
  int level = 1;
  std::size_t page_bytes = 1 << 20;
};

// Encodes column chunks. One per worker thread: it owns the compression
// context and scratch buffers it reuses from chunk to chunk, so encoding does
// not allocate once the buffers have grown. Not thread-safe.
class ColumnChunkEncoder {
 public:
  explicit ColumnChunkEncoder(const EncoderOptions& options);
  ~ColumnChunkEncoder();
  ColumnChunkEncoder(const ColumnChunkEncoder&) = delete;
  ColumnChunkEncoder& operator=(const ColumnChunkEncoder&) = delete;

  // Encodes `nsegments` segments (together the chunk's rows, in order) into
  // `out` (cleared first; its buffer capacity is reused). `stats` are the
  // statistics of those values, computed by the caller.
  //
  // Layout: if every segment is scalar, the chunk is dictionary encoded
  // (PLAIN dictionary page + RLE_DICTIONARY data pages: the repeated values
  // are never materialised). Otherwise array data pages with the descriptor's
  // encoding (automatic: BYTE_STREAM_SPLIT for floats, DELTA_BINARY_PACKED
  // for integers) and scalar segments expanded in the page buffers.
  // Throws Error(Status::internal) if the codec fails.
  void encode(const ColumnDescriptor& column, const ValueSegment* segments,
              std::size_t nsegments, const ColumnStats& stats, EncodedColumnChunk& out);

  // Either also records every data page in `out.pages` and, if the column
  // asks for one, fills `out.bloom_filter` with the chunk's values.

  // Encodes an always-dictionary column (step, time) whatever its descriptor.
  void encode_dictionary(const ColumnDescriptor& column, const ValueSegment* segments,
                         std::size_t nsegments, const ColumnStats& stats,
                         EncodedColumnChunk& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace simingest::parquet
