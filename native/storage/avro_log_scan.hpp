// Reading a realtime log file back for recovery: its header, then block
// after block, each decoded record by record against the stream's column
// types (an Avro structural check: the log has no checksum of its own).
//
// A file ends `torn` when its last block (or its header) stops before the
// file does what it announced — a write cut short by a crash; everything
// before that block is good. It is `damaged` when bytes that are all there
// do not make sense: wrong magic, a schema that is not the stream's, a sync
// marker that differs, a block that does not decompress or whose records do
// not decode to exactly its size and count — unless that block is the
// file's last (no sync marker with bytes after it follows): the writer
// fsyncs every block before it writes the next, so a last block whose size
// reached the disk but not all of its pages (zeros, garbage) is a crash's
// torn tail too, and is cut like one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "storage/avro_container.hpp"

namespace simingest::storage::avro {

struct LogScan {
  enum class Outcome { clean, torn, damaged } outcome = Outcome::clean;
  uint64_t good_bytes = 0;  // end of the header or of the last good block; 0 if the header is torn
  uint64_t blocks = 0;      // good blocks
  uint64_t records = 0;     // records in them
  std::string reason;       // torn or damaged: what was found, with the byte offset
};

// Sees each record of a good block, in file order: its bytes (valid during
// the call only). Compaction reads the log through it (avro_frame_decoder.hpp).
using RecordVisitor = std::function<void(const uint8_t* record, std::size_t size)>;

// The pieces scan_log() reads, for readers that follow a file while it
// grows (query/log_tail.cpp). Each returns clean when it read the piece,
// torn when the bytes end inside it (the cursor is then somewhere inside:
// read again from the piece's start once more bytes are there), damaged
// with `reason` naming what is wrong.
struct LogHeader {
  std::string codec_name = "null";
  AvroCodec codec = AvroCodec::null;
  SyncMarker sync{};
};
LogScan::Outcome read_log_header(Cursor& cursor, const std::string& expected_schema, LogHeader& header,
                                 std::string& reason);

struct LogBlock {
  int64_t count = 0;             // records
  const uint8_t* data = nullptr; // the (compressed) records
  std::size_t size = 0;
};
// The block at `cursor`, its sync marker checked; `reason` names its byte offset.
LogScan::Outcome read_log_block(Cursor& cursor, const SyncMarker& sync, LogBlock& block, std::string& reason);

// Whether `count` records of `columns` fill exactly the `size` bytes at `data`.
bool records_fit(const uint8_t* data, std::size_t size, int64_t count, const std::vector<Primitive>& columns) noexcept;

// Scans the `size` bytes of a log file whose header must hold
// `expected_schema` as avro.schema and whose records have `columns`; hands
// every record of every good block to `visit` if given (a block's records
// only once the whole block checked out).
LogScan scan_log(const uint8_t* data, std::size_t size, const std::string& expected_schema,
                 const std::vector<Primitive>& columns, const RecordVisitor& visit = nullptr);

}  // namespace simingest::storage::avro
