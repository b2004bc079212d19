// The row-group journal of a file being written (docs/ON_DISK.md, "Row-group
// journal"; docs/adr/0008): an append-only hidden file beside the in-progress
// Parquet file. Its header record says what the footer needs (schema and
// key-value metadata); each further record describes one row group that was
// handed to the kernel before the record was: where it ends, the CRC-32C of
// the file up to there, its rows, frames, steps, times, column sizes and its serialised
// footer entry. After a crash, recovery keeps the row groups of the longest
// prefix of records that verify, gives the file a footer and commits it.
//
// Framing: the 8-byte magic "SIJRNL01", then records, each
//   u32 payload length | u32 CRC-32C of (length bytes + payload) | payload
// little endian, so a torn or overwritten tail is detected and ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "parquet/file_writer.hpp"

namespace simingest::storage {

// Appended to the in-progress file's name.
inline constexpr const char* kJournalSuffix = ".journal";

struct JournalHeader {
  std::string stream;
  int64_t partition = 0;
  std::string path;  // the committed name, relative to the dataset
  parquet::FileSchema schema;
  std::vector<parquet::KeyValue> key_values;
};

// One row group, written after its bytes were.
struct JournalRecord {
  uint32_t index = 0;       // row-group ordinal in the file
  uint64_t end_offset = 0;  // the file's size once this row group was written
  // CRC-32C of the file's first end_offset bytes (the leading magic and every
  // row group up to this one): one running CRC serves the journal and the
  // whole-file checksum of the manifest.
  uint32_t data_crc = 0;
  int64_t rows = 0;
  int64_t frames = 0;  // frames since the previous record (frames of zero rows included)
  int64_t step_min = 0, step_max = 0;
  double time_min = 0, time_max = 0;
  // Per file column (step, time, then the stream's): uncompressed, compressed bytes.
  std::vector<std::pair<int64_t, int64_t>> column_bytes;
  std::vector<uint8_t> row_group_metadata;  // FileWriter::last_row_group_metadata()
};

// Append the magic and the header record / one row-group record to `out`.
void append_journal_header(const JournalHeader& header, std::vector<uint8_t>& out);
void append_journal_record(const JournalRecord& record, std::vector<uint8_t>& out);

struct JournalContents {
  std::optional<JournalHeader> header;  // absent: no intact header, nothing usable
  std::vector<JournalRecord> records;   // intact, in order, indices 0, 1, 2, ...
  uint64_t intact_bytes = 0;            // where the first torn or bad record starts
};

// Reads a journal up to its first record that is torn, fails its checksum,
// does not decode or is out of sequence. Never throws for bad bytes.
JournalContents parse_journal(const uint8_t* data, std::size_t size);

}  // namespace simingest::storage
