// Which bytes of a column chunk a query must read for some rows of its row
// group, from the chunk's OffsetIndex (Parquet PageIndex.md: per data page its
// offset, size and first row). A frame is a row range, so a query of a few
// frames of a large row group reads and decompresses only the pages that
// overlap them (and the dictionary page, when the chunk has one) instead of
// the whole chunk. A chunk without an OffsetIndex (a salvaged file, a row
// group of a file still being written) has no span: it is read whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parquet/byte_source.hpp"
#include "parquet/column_chunk_reader.hpp"
#include "parquet/parquet_metadata.hpp"

namespace simingest::query {

struct PageSpan {
  // The dictionary page (size 0: none), then the data pages to decode.
  uint64_t dictionary_offset = 0, dictionary_size = 0;
  uint64_t pages_offset = 0, pages_size = 0;
  uint64_t first_row = 0, rows = 0;  // of the row group, held by those pages
};

// The span of `chunk` (of a row group of `num_rows` rows, its pages within
// `range`) holding rows [begin, end), begin < end <= num_rows; nullopt when the
// chunk has no OffsetIndex. `scratch` holds the index bytes (reused). Throws
// Error(corrupt) naming `where` when the index does not fit the chunk (pages
// outside it, out of row order, not starting at row 0).
std::optional<PageSpan> page_span(const parquet::ByteSource& source, const parquet::format::ColumnChunk& chunk,
                                  const parquet::ChunkRange& range, int64_t num_rows, uint64_t begin, uint64_t end,
                                  const std::string& where, std::vector<uint8_t>& scratch);

}  // namespace simingest::query
