// Reading one row group of a stream's Parquet file for a query: prune it by
// the footer statistics of `step` and `time`, decode those two chunks to find
// its frames (a frame is a run of rows with equal step and time: the writer
// keeps a frame's rows together and never splits one across row groups),
// keep the frames the query selects, then decode only the selected columns
// and copy the selected rows into record batches.
//
// Scratch buffers are kept from one row group to the next, so a long query
// allocates only while its row groups grow.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "parquet/byte_source.hpp"
#include "parquet/column_chunk_reader.hpp"
#include "parquet/parquet_metadata.hpp"
#include "query/arrow_export.hpp"
#include "query/query_spec.hpp"

namespace simingest::query {

struct RowRange {
  uint64_t begin = 0, end = 0;  // rows [begin, end) of the row group
};

class RowGroupReader {
 public:
  // Decodes step and time of `group` (of `source`, whose column chunks end
  // before `data_end`) and keeps the frames `query` selects. Returns false,
  // having decoded nothing, when the statistics rule the row group out, and
  // false when no frame of it is selected. `where` names the row group in
  // messages ("<path>: row group 3"). Throws Error(corrupt) when the row
  // group does not have the stream's columns or does not decode.
  bool select(const parquet::ByteSource& source, uint64_t data_end, const parquet::format::RowGroup& group,
              const ResolvedQuery& query, const std::string& where);

  // The selected frames of the last select() that returned true.
  const std::vector<RowRange>& frames() const noexcept { return frames_; }
  uint64_t rows(std::size_t first, std::size_t last) const noexcept;

  // Decodes the query's columns of that row group (once per row group).
  void decode_columns(const parquet::ByteSource& source, uint64_t data_end, const parquet::format::RowGroup& group,
                      const ResolvedQuery& query, const std::string& where);

  // Copies frames [first, last) (of frames()) into `batch`, from its row `at`.
  void copy_into(BatchBuilder& batch, uint64_t at, std::size_t first, std::size_t last,
                 const ResolvedQuery& query) const;

 private:
  void decode_chunk(const parquet::ByteSource& source, uint64_t data_end, const parquet::format::ColumnChunk& chunk,
                    const std::string& where, std::vector<uint8_t>& values);

  parquet::ColumnChunkReader reader_;
  std::vector<uint8_t> bytes_;                // one chunk as read from the file
  std::vector<uint8_t> steps_, times_;        // decoded step and time of the row group
  std::vector<std::vector<uint8_t>> columns_;  // decoded physical values per output column
  std::vector<RowRange> frames_;
};

// The decoded statistics range of a row group's `step` (column 0) and `time`
// (column 1) chunks, when both are written; pruning uses them.
struct RowGroupRanges {
  bool has_steps = false, has_time = false;
  int64_t step_min = 0, step_max = 0;
  double time_min = 0, time_max = 0;
};
RowGroupRanges row_group_ranges(const parquet::format::RowGroup& group) noexcept;

}  // namespace simingest::query
