#include "parquet/column_chunk.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/status.hpp"
#include "parquet/bloom_filter.hpp"
#include "parquet/byte_stream_split_encoder.hpp"
#include "parquet/column_type.hpp"
#include "parquet/delta_binary_packed_encoder.hpp"
#include "parquet/page_statistics.hpp"
#include "parquet/page_writer.hpp"
#include "parquet/plain_encoder.hpp"
#include "parquet/rle_hybrid_encoder.hpp"
#include "parquet/segment_cursor.hpp"
#include "parquet/value_dictionary.hpp"

namespace simingest::parquet {

namespace {

Encoding array_encoding(const ColumnDescriptor& column) {
  switch (column.encoding) {
    case ColumnEncoding::plain: return Encoding::plain;
    case ColumnEncoding::byte_stream_split: return Encoding::byte_stream_split;
    case ColumnEncoding::delta_binary_packed:
      if (dtype_is_float(column.dtype))
        throw Error(Status::internal, "column " + column.name + ": DELTA_BINARY_PACKED needs integers");
      return Encoding::delta_binary_packed;
    case ColumnEncoding::automatic:
      return dtype_is_float(column.dtype) ? Encoding::byte_stream_split : Encoding::delta_binary_packed;
  }
  return Encoding::plain;
}

uint64_t load_raw_bits(const uint8_t* data, std::size_t size) noexcept {
  uint64_t bits = 0;  // little endian: the value's bytes are the low bytes
  std::memcpy(&bits, data, size);
  return bits;
}

}  // namespace

struct ColumnChunkEncoder::Impl {
  explicit Impl(const EncoderOptions& o) : options(o), pages(o.codec, o.level) {}

  // Rows per data page: about page_bytes of uncompressed physical values.
  // Dictionary data pages use the same row count, so pages of every column
  // of a row group cover similar rows.
  std::size_t rows_per_page(std::size_t physical_size) const noexcept {
    const std::size_t rows = options.page_bytes / physical_size;
    return std::clamp<std::size_t>(rows, 1, std::numeric_limits<int32_t>::max());
  }

  void begin(Dtype dtype, const ColumnStats& stats, std::size_t rows, EncodedColumnChunk& out) const {
    out.bytes.clear();
    out.dictionary_page_offset = -1;
    out.data_page_offset = 0;
    out.num_values = static_cast<int64_t>(rows);
    out.total_uncompressed_size = 0;
    out.encodings.clear();
    out.stats = stats;
    out.codec = pages.codec();
    out.compress_ns = 0;
    out.pages.clear();
    out.pages.reserve(rows / rows_per_page(column_type_of(dtype).physical_size) + 1);  // one allocation per chunk
  }

  // The page index entry of the page just written at `offset`. A chunk of
  // one page has the chunk's statistics, so only longer chunks scan values
  // again (`page_start` at the page's first row; it moves past the page).
  void record_page(Dtype dtype, int64_t offset, std::size_t first_row, std::size_t rows, bool single_page,
                   SegmentCursor& page_start, EncodedColumnChunk& out) const {
    DataPageEntry page;
    page.offset = offset;
    page.size = static_cast<int32_t>(static_cast<int64_t>(out.bytes.size()) - offset);  // < 2^31: checked by the page writer
    page.first_row = static_cast<int64_t>(first_row);
    page.stats = single_page ? out.stats : take_page_stats(dtype, page_start, rows);
    out.pages.push_back(page);
  }

  void encode_arrays(const ColumnDescriptor& column, const ValueSegment* segments, std::size_t nsegments,
                     const ColumnStats& stats, EncodedColumnChunk& out);
  void encode_dictionary(const ColumnDescriptor& column, const ValueSegment* segments,
                         std::size_t nsegments, const ColumnStats& stats, EncodedColumnChunk& out);

  EncoderOptions options;
  PageWriter pages;
  std::vector<uint8_t> body;         // one uncompressed page body
  std::vector<uint8_t> scratch;      // widening for BYTE_STREAM_SPLIT
  std::vector<int32_t> values32;     // one page of INT32 values for delta encoding
  std::vector<int64_t> values64;     // one page of INT64 values for delta encoding
  ValueDictionary dictionary;
  std::vector<uint32_t> indices;     // dictionary index per scalar segment / array value
  std::vector<std::size_t> first_index;  // where each segment's indices start
  RleHybridEncoder rle;
};

void ColumnChunkEncoder::Impl::encode_arrays(const ColumnDescriptor& column, const ValueSegment* segments,
                                             std::size_t nsegments, const ColumnStats& stats,
                                             EncodedColumnChunk& out) {
  const Dtype dtype = column.dtype;
  const ColumnType type = column_type_of(dtype);
  const Encoding encoding = array_encoding(column);
  const std::size_t rows = segment_rows(segments, nsegments);
  begin(dtype, stats, rows, out);
  out.encodings.push_back(encoding);

  SegmentCursor cursor(segments, nsegments, dtype_size(dtype));
  const std::size_t page_rows = rows_per_page(type.physical_size);
  const bool single_page = rows <= page_rows;
  std::size_t left = rows;
  bool first_page = true;
  do {  // at least one page, so an empty chunk still has a data page
    const std::size_t n = std::min(left, page_rows);
    SegmentCursor page_start = cursor;
    body.clear();
    switch (encoding) {
      case Encoding::plain: encode_plain(dtype, cursor, n, body); break;
      case Encoding::byte_stream_split: encode_byte_stream_split(dtype, cursor, n, body, scratch); break;
      case Encoding::delta_binary_packed:
        if (type.physical == format::Type::int32) {
          if (values32.size() < n) values32.resize(n);
          gather_physical(dtype, cursor, n, reinterpret_cast<uint8_t*>(values32.data()));
          encode_delta_binary_packed(values32.data(), n, body);
        } else {
          if (values64.size() < n) values64.resize(n);
          gather_physical(dtype, cursor, n, reinterpret_cast<uint8_t*>(values64.data()));
          encode_delta_binary_packed(values64.data(), n, body);
        }
        break;
      default: throw Error(Status::internal, "unexpected array encoding");
    }
    const int64_t offset = pages.write_data_page(body, n, encoding, out);
    record_page(dtype, offset, rows - left, n, single_page, page_start, out);
    if (first_page) out.data_page_offset = offset;
    first_page = false;
    left -= n;
  } while (left > 0);
  fill_bloom_filter(column, segments, nsegments, rows, out.bloom_filter);
}

void ColumnChunkEncoder::Impl::encode_dictionary(const ColumnDescriptor& column,
                                                 const ValueSegment* segments, std::size_t nsegments,
                                                 const ColumnStats& stats, EncodedColumnChunk& out) {
  const Dtype dtype = column.dtype;
  const std::size_t value_size = dtype_size(dtype);
  const ColumnType type = column_type_of(dtype);
  const std::size_t rows = segment_rows(segments, nsegments);
  begin(dtype, stats, rows, out);

  // Pass 1: the dictionary, and the index of every scalar segment (one
  // entry, however many rows it covers) and array value.
  dictionary.clear();
  indices.clear();
  first_index.clear();
  for (std::size_t s = 0; s < nsegments; ++s) {
    const ValueSegment& seg = segments[s];
    const auto* data = static_cast<const uint8_t*>(seg.data);
    first_index.push_back(indices.size());
    if (seg.count == 0) continue;
    if (seg.is_scalar) {
      indices.push_back(dictionary.index_of(load_raw_bits(data, value_size)));
    } else {
      for (std::size_t i = 0; i < seg.count; ++i)
        indices.push_back(dictionary.index_of(load_raw_bits(data + i * value_size, value_size)));
    }
  }

  // The dictionary page: entries PLAIN, in index order.
  body.clear();
  body.resize(dictionary.size() * type.physical_size);
  for (std::size_t i = 0; i < dictionary.size(); ++i) {
    const uint64_t physical = physical_bits(dtype, dictionary.values()[i]);
    std::memcpy(body.data() + i * type.physical_size, &physical, type.physical_size);
  }
  out.dictionary_page_offset = pages.write_dictionary_page(body, dictionary.size(), out);
  out.encodings.push_back(Encoding::plain);
  out.encodings.push_back(Encoding::rle_dictionary);

  // Pass 2: data pages of indices. A scalar segment contributes one RLE run
  // per page it overlaps.
  const int bit_width = dictionary_index_bit_width(dictionary.size());
  const std::size_t page_rows = rows_per_page(type.physical_size);
  const bool single_page = rows <= page_rows;
  SegmentCursor page_start(segments, nsegments, value_size);
  std::size_t seg = 0, offset = 0, left = rows;
  bool first_page = true;
  do {
    std::size_t n = std::min(left, page_rows);
    const std::size_t page_values = n;
    body.clear();
    body.push_back(static_cast<uint8_t>(bit_width));
    rle.reset(bit_width, &body);
    while (n > 0) {
      const ValueSegment& s = segments[seg];
      const std::size_t remaining = s.count - offset;
      if (remaining == 0) {
        ++seg;
        offset = 0;
        continue;
      }
      const std::size_t m = std::min(remaining, n);
      if (s.is_scalar) {
        rle.put(indices[first_index[seg]], m);
      } else {
        const uint32_t* idx = indices.data() + first_index[seg] + offset;
        for (std::size_t j = 0; j < m; ++j) rle.put(idx[j], 1);
      }
      offset += m;
      n -= m;
    }
    rle.finish();
    const int64_t page_offset = pages.write_data_page(body, page_values, Encoding::rle_dictionary, out);
    record_page(dtype, page_offset, rows - left, page_values, single_page, page_start, out);
    if (first_page) out.data_page_offset = page_offset;
    first_page = false;
    left -= page_values;
  } while (left > 0);
  fill_bloom_filter(column, segments, nsegments, rows, out.bloom_filter);
}

ColumnChunkEncoder::ColumnChunkEncoder(const EncoderOptions& options)
    : impl_(std::make_unique<Impl>(options)) {}

ColumnChunkEncoder::~ColumnChunkEncoder() = default;

void ColumnChunkEncoder::encode(const ColumnDescriptor& column, const ValueSegment* segments,
                                std::size_t nsegments, const ColumnStats& stats, EncodedColumnChunk& out) {
  bool all_scalar = nsegments > 0;
  for (std::size_t i = 0; i < nsegments && all_scalar; ++i) all_scalar = segments[i].is_scalar;
  if (all_scalar)
    impl_->encode_dictionary(column, segments, nsegments, stats, out);
  else
    impl_->encode_arrays(column, segments, nsegments, stats, out);
}

void ColumnChunkEncoder::encode_dictionary(const ColumnDescriptor& column, const ValueSegment* segments,
                                           std::size_t nsegments, const ColumnStats& stats,
                                           EncodedColumnChunk& out) {
  impl_->encode_dictionary(column, segments, nsegments, stats, out);
}

}  // namespace simingest::parquet
