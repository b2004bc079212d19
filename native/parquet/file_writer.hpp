// Writing one Parquet file: "PAR1", row groups of encoded column chunks, then
// the footer (FileMetaData in Thrift compact protocol, its length, "PAR1").
// Lifecycle: construct → append_row_group()* → finish(). The writer owns no
// file descriptor: bytes go to a ByteSink, so storage/ decides about
// durability and naming.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "parquet/column_chunk.hpp"

namespace simingest::parquet {

// Where the bytes of a file go. write() either writes everything or throws
// Error(Status::io).
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(const void* data, std::size_t size) = 0;
};

struct FileSchema {
  std::string root_name = "schema";
  std::vector<ColumnDescriptor> columns;  // leaf columns in file order
};

struct KeyValue {
  std::string key;
  std::string value;
};

class FileWriter {
 public:
  // Writes the leading magic to `sink`, which must outlive the writer.
  FileWriter(ByteSink& sink, FileSchema schema, std::vector<KeyValue> key_value_metadata);
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // Appends one row group: chunks[i] belongs to schema.columns[i] and every
  // chunk holds `num_rows` values.
  void append_row_group(int64_t num_rows, const EncodedColumnChunk* chunks, std::size_t nchunks);

  // The footer's entry for the row group appended last (a RowGroup struct in
  // Thrift compact protocol, file offsets included): what the row-group
  // journal records so that a footer can be written after a crash.
  const std::vector<uint8_t>& last_row_group_metadata() const;

  // Writes the footer. No row group may be appended after it.
  void finish();

  // Writes the footer of a file whose writer never finished (recovery after a
  // crash): the bytes already in the file must be the magic and exactly the
  // row groups whose last_row_group_metadata() are `row_groups`, in order,
  // holding `num_rows` rows in all. The footer is the one finish() writes.
  static void write_footer(ByteSink& sink, const FileSchema& schema, const std::vector<KeyValue>& key_value_metadata,
                           const std::vector<const std::vector<uint8_t>*>& row_groups, int64_t num_rows);

  uint64_t bytes_written() const noexcept;
  int64_t rows_written() const noexcept;
  std::size_t row_groups_written() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A footer-only Parquet file: the magic, a FileMetaData of `schema` with no
// row group, its length and the magic — the `_common_metadata` summary
// Spark and pyarrow write beside a dataset's files, so that readers take the
// dataset's schema from it. Columns whose index is set in `optional` are
// OPTIONAL (a reader fills them with nulls in files that lack them), the
// others REQUIRED like every column of a data file.
std::vector<uint8_t> summary_file_bytes(const FileSchema& schema, const std::vector<bool>& optional,
                                        const std::vector<KeyValue>& key_value_metadata);

// The created_by string written in every footer: "simingest version X.Y.Z".
std::string created_by();

}  // namespace simingest::parquet
