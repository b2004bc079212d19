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

  // Writes the footer. No row group may be appended after it.
  void finish();

  uint64_t bytes_written() const noexcept;
  int64_t rows_written() const noexcept;
  std::size_t row_groups_written() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The created_by string written in every footer: "simingest version X.Y.Z".
std::string created_by();

}  // namespace simingest::parquet
