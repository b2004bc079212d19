// Splitting a file simingest wrote at a step: the rows whose step is at most
// `last_step` are kept (written as a new file), the others are not. This is
// what resumeFromStep does to a file that straddles the resume step
// (storage/resume.hpp).
//
// Construction reads the footer and decodes the `step` and `time` columns of
// every row group (dictionary encoded: a few bytes each) to plan the split.
// write_kept() then writes the kept rows: a row group kept entirely is copied
// byte for byte (its pages are position independent), a row group that
// straddles is decoded, filtered and re-encoded with ColumnChunkEncoder in the
// form the writer gave it (dictionary pages for step, time and scalar
// columns, the chunk's own array encoding otherwise). The new file has the
// same schema and key-value metadata.
//
// Frames are counted as the data shows them: runs of rows with equal step and
// time (a frame of zero rows leaves no trace in a file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "parquet/byte_source.hpp"
#include "parquet/column_chunk.hpp"
#include "parquet/file_writer.hpp"
#include "parquet/parquet_metadata.hpp"

namespace simingest::parquet {

// Some rows of a file.
struct RowsSummary {
  int64_t rows = 0;
  int64_t frames = 0;
  int64_t row_groups = 0;       // row groups holding at least one of the rows
  int64_t step_min = 0, step_max = 0;  // valid when rows > 0
  double time_min = 0, time_max = 0;
};

// Bytes one column takes in a written file (page headers included).
struct ColumnChunkBytes {
  std::string name;
  int64_t uncompressed_bytes = 0;
  int64_t compressed_bytes = 0;
};

class StepSplit {
 public:
  // Throws Error(corrupt) naming the source if it is not a Parquet file of
  // simingest's shape (leading step INT64 and time DOUBLE, REQUIRED leaves).
  StepSplit(const ByteSource& source, int64_t last_step);

  const RowsSummary& kept() const noexcept { return kept_; }
  const RowsSummary& dropped() const noexcept { return dropped_; }

  // Writes the kept rows as a complete Parquet file to `sink` and returns
  // each column's bytes in it. Call only if kept().rows > 0.
  std::vector<ColumnChunkBytes> write_kept(ByteSink& sink);

 private:
  enum class Fate : uint8_t { keep, drop, split };
  struct Leaf;
  void plan();
  void copy_row_group(const format::RowGroup& group, std::vector<EncodedColumnChunk>& chunks);
  void split_row_group(const format::RowGroup& group, std::vector<EncodedColumnChunk>& chunks);

  const ByteSource& source_;
  int64_t last_step_;
  format::FileMetaData metadata_;
  uint64_t data_end_ = 0;
  FileSchema schema_;
  std::vector<Fate> fates_;
  RowsSummary kept_, dropped_;
};

}  // namespace simingest::parquet
