// Reading back what a file stores beside a column chunk's pages: its page
// index and its bloom filter. resumeFromStep copies whole row groups into a
// new file; their chunks keep their index and filter through these.
#pragma once

#include <cstdint>
#include <vector>

#include "core/dtype.hpp"
#include "parquet/byte_source.hpp"
#include "parquet/column_chunk.hpp"
#include "parquet/parquet_metadata.hpp"

namespace simingest::parquet {

// The chunk's data pages as its encoder recorded them (offsets relative to
// `chunk_start`, the chunk's first byte in the file), from its OffsetIndex
// and ColumnIndex. Without an OffsetIndex: empty (the copy gets no page
// index). Without a ColumnIndex: pages whose statistics are unknown (the copy
// gets an OffsetIndex only). Throws Error(corrupt) naming the source if the
// index is malformed or does not fit the chunk.
std::vector<DataPageEntry> read_page_entries(const ByteSource& source, const format::ColumnChunk& chunk,
                                             Dtype dtype, int64_t chunk_start, int64_t chunk_size);

// The chunk's bloom filter words; empty without one. Throws Error(corrupt)
// naming the source if the filter is malformed.
std::vector<uint32_t> read_bloom_filter(const ByteSource& source, const format::ColumnMetaData& metadata);

}  // namespace simingest::parquet
