#include "query/page_span.hpp"

#include "core/status.hpp"
#include "parquet/metadata_reader.hpp"
#include "parquet/thrift_compact_reader.hpp"

namespace simingest::query {

namespace fmt = parquet::format;

std::optional<PageSpan> page_span(const parquet::ByteSource& source, const fmt::ColumnChunk& chunk,
                                  const parquet::ChunkRange& range, int64_t num_rows, uint64_t begin, uint64_t end,
                                  const std::string& where, std::vector<uint8_t>& scratch) {
  if (!chunk.offset_index_offset || !chunk.offset_index_length) return std::nullopt;
  auto corrupt = [&](const std::string& what) { return Error(Status::corrupt, where + ": offset index: " + what); };
  const int64_t at = *chunk.offset_index_offset;
  const int64_t length = *chunk.offset_index_length;
  if (at < 4 || length <= 0 || static_cast<uint64_t>(at) > source.size() ||
      static_cast<uint64_t>(length) > source.size() - static_cast<uint64_t>(at))
    throw corrupt("lies outside the file");
  scratch.resize(static_cast<std::size_t>(length));
  source.read_at(static_cast<uint64_t>(at), scratch.data(), scratch.size());
  parquet::thrift::CompactReader reader(scratch.data(), scratch.size(), where + ": offset index");
  fmt::OffsetIndex index;
  fmt::read(reader, index);

  const std::vector<fmt::PageLocation>& pages = index.page_locations;
  if (pages.empty() || pages.front().first_row_index != 0) throw corrupt("does not start at row 0");
  const uint64_t chunk_end = range.offset + range.size;
  // The last page starting at or before `begin`, through the last starting before `end`.
  std::size_t first = 0, last = 0;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const fmt::PageLocation& page = pages[i];
    if (page.offset < 0 || page.compressed_page_size <= 0 || static_cast<uint64_t>(page.offset) < range.offset ||
        static_cast<uint64_t>(page.offset) + static_cast<uint64_t>(page.compressed_page_size) > chunk_end)
      throw corrupt("names a page outside its column chunk");
    if (i > 0 && (page.first_row_index <= pages[i - 1].first_row_index ||
                  page.offset < pages[i - 1].offset + pages[i - 1].compressed_page_size))
      throw corrupt("pages out of order");
    if (page.first_row_index >= num_rows) throw corrupt("a page starts past the row group's rows");
    const auto row = static_cast<uint64_t>(page.first_row_index);
    if (row <= begin) first = i;
    if (row < end) last = i;
  }
  PageSpan span;
  span.pages_offset = static_cast<uint64_t>(pages[first].offset);
  span.pages_size = static_cast<uint64_t>(pages[last].offset + pages[last].compressed_page_size) - span.pages_offset;
  span.first_row = static_cast<uint64_t>(pages[first].first_row_index);
  const uint64_t end_row =
      last + 1 < pages.size() ? static_cast<uint64_t>(pages[last + 1].first_row_index) : static_cast<uint64_t>(num_rows);
  span.rows = end_row - span.first_row;
  const fmt::ColumnMetaData& meta = chunk.meta_data;
  if (meta.dictionary_page_offset) {
    // The dictionary page runs from its offset to the first data page.
    const int64_t dictionary = *meta.dictionary_page_offset;
    if (dictionary < static_cast<int64_t>(range.offset) || meta.data_page_offset <= dictionary ||
        meta.data_page_offset > pages.front().offset)
      throw corrupt("the dictionary page is not before the data pages");
    span.dictionary_offset = static_cast<uint64_t>(dictionary);
    span.dictionary_size = static_cast<uint64_t>(meta.data_page_offset - dictionary);
  }
  return span;
}

}  // namespace simingest::query
