// Reading one row group of a stream's Parquet file for a query: prune it by
// the footer statistics of `step` and `time`, find its frames (a frame is a
// run of rows with equal step and time: the writer keeps a frame's rows
// together and never splits one across row groups), keep the frames the query
// selects, then decode only the selected columns and copy the selected rows
// into record batches.
//
// Reading only what the selection needs: a row group whose time-index entry
// lists its frames (storage/row_group_index.hpp) gives each frame's step, time
// and rows, so `step` and `time` are not decoded at all; and a chunk with an
// OffsetIndex is read and decompressed only over the pages overlapping the
// selected rows (query/page_span.hpp). Without them (a salvaged file, a file
// in progress, row groups of many one-row frames) the step and time chunks are
// decoded, and chunks without an OffsetIndex are read whole; the result is
// the same bits either way.
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
#include "storage/row_group_index.hpp"

namespace simingest::query {

struct RowRange {
  uint64_t begin = 0, end = 0;  // rows [begin, end) of the row group
  // One frame's, when the frames came from the time index (else the rows may
  // span several frames, whose step and time are decoded).
  int64_t step = 0;
  double time = 0;
};

class RowGroupReader {
 public:
  // Finds the frames of `group` (of `source`, whose column chunks end before
  // `data_end`) from `index` (its time-index entry, or null) when that lists
  // them and agrees with the row group, else by decoding its step and time,
  // and keeps the frames `query` selects. Returns false, having decoded
  // nothing, when the statistics rule the row group out, and false when no
  // frame of it is selected. `where` names the row group in messages
  // ("<path>: row group 3"). Throws Error(corrupt) when the row group does
  // not have the stream's columns or does not decode.
  bool select(const parquet::ByteSource& source, uint64_t data_end, const parquet::format::RowGroup& group,
              const storage::RowGroupIndex* index, const ResolvedQuery& query, const std::string& where);

  // The selected frames of the last select() that returned true.
  const std::vector<RowRange>& frames() const noexcept { return frames_; }
  uint64_t rows(std::size_t first, std::size_t last) const noexcept;

  // Finds the query's columns in a file (once per file, before its row
  // groups): `file_columns` are its own columns when another schema version
  // wrote it (FilePart::columns; null or empty: the stream's declared ones),
  // where output columns are found by name, widened from its dtype, null if absent.
  void use_file_columns(const ResolvedQuery& query, const std::vector<FileColumn>* file_columns);

  // Decodes the query's columns of that row group (once per row group): the
  // pages holding the selected rows, or whole chunks without an OffsetIndex.
  void decode_columns(const parquet::ByteSource& source, uint64_t data_end, const parquet::format::RowGroup& group,
                      const ResolvedQuery& query, const std::string& where);

  // Copies frames [first, last) (of frames()) into `batch`, from its row `at`.
  void copy_into(BatchBuilder& batch, uint64_t at, std::size_t first, std::size_t last,
                 const ResolvedQuery& query) const;

  // What the last select() and decode_columns() read, for tests: whether the
  // frames came from the time index, and per output column whether its whole
  // chunk was decoded (false: only the pages of the selected rows).
  bool frames_came_from_index() const noexcept { return indexed_; }
  const std::vector<bool>& read_whole_chunks() const noexcept { return whole_; }

 private:
  bool frames_from_index(const parquet::format::RowGroup& group, const storage::RowGroupIndex& index,
                         const ResolvedQuery& query);
  void decode_chunk(const parquet::ByteSource& source, uint64_t data_end, const parquet::format::ColumnChunk& chunk,
                    const std::string& where, std::vector<uint8_t>& values);
  // Decodes the pages of `chunk` holding rows [begin, end) into `values`;
  // returns the row of values[0], or decodes the whole chunk and returns 0.
  uint64_t decode_rows(const parquet::ByteSource& source, uint64_t data_end, const parquet::format::RowGroup& group,
                       const parquet::format::ColumnChunk& chunk, uint64_t begin, uint64_t end,
                       const std::string& where, std::vector<uint8_t>& values, bool& whole);

  parquet::ColumnChunkReader reader_;
  std::vector<uint8_t> bytes_;                // one chunk as read from the file
  std::vector<uint8_t> steps_, times_;        // decoded step and time of the row group
  std::vector<uint8_t> index_bytes_;          // one chunk's OffsetIndex
  std::vector<std::vector<uint8_t>> columns_;  // decoded physical values per output column
  std::vector<uint64_t> first_rows_;           // the row of columns_[j][0] in the row group
  // Per output column, of the current file (use_file_columns): its chunk's
  // index in a row group, the dtype the file stores it as, whether it lacks it.
  std::vector<std::size_t> chunk_;
  std::vector<Dtype> stored_;
  std::vector<bool> absent_;
  std::vector<bool> whole_;
  std::vector<RowRange> frames_;
  bool indexed_ = false;  // frames_ came from the time index: steps_ and times_ are not decoded
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
