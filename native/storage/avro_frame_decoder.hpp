// Decoding the realtime log's records back into frames: the inverse of
// pipeline/avro_record.cpp, for every reader of the log: the cross-process
// tail (query/log_tail.hpp), compaction (pipeline/log_compaction.hpp) and a
// query's snapshot of the log (query/dataset_reader.cpp).
//
// A record is step, time, then per declared column a union branch: 0 a
// scalar, 1 an array. Values are written back in the column's dtype, so a
// frame read from the log is bit-identical to the one ingested. An integer
// outside its dtype's range (an Avro int holding 300 for a uint8 column) is a
// malformed record, like bytes that do not parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "simingest.h"
#include "storage/avro_binary.hpp"

namespace simingest::storage::avro {

// One decoded frame. The byte vectors keep their capacity from record to
// record, so a steady stream of frames of one shape allocates nothing.
struct DecodedFrame {
  int64_t step = 0;
  double time = 0;
  std::vector<simingest_column> columns;  // declared order; data points into `values`
  std::vector<std::vector<uint64_t>> values;  // per column, 8-byte aligned storage
};

class FrameDecoder {
 public:
  explicit FrameDecoder(const StreamConfig& stream);

  // Decodes the record at `cursor` into `frame`; false if it is malformed.
  bool decode(Cursor& cursor, DecodedFrame& frame);

  // Decodes one whole record (`size` bytes, as scan_log hands it); false if
  // it is malformed or bytes are left over after it.
  bool decode_record(const uint8_t* data, std::size_t size, DecodedFrame& frame);

 private:
  std::vector<std::string> names_;
  std::vector<Dtype> dtypes_;
};

// The frame's rows, counted like admission: the arrays' common length, else
// the grid's cells (`grid_rows`, 0: no grid), else 1. False if its arrays
// disagree in length, which the writer never logs: a malformed record.
bool frame_rows(const DecodedFrame& frame, uint64_t grid_rows, uint64_t& rows) noexcept;

// A decoded frame's values copied out of the decoder's buffers, for readers
// that hold frames past the next decode (compaction's row group, a query's
// snapshot of the log).
struct KeptFrame {
  int64_t step = 0;
  double time = 0;
  uint64_t rows = 0;
  std::vector<bool> is_scalar;                // per declared column
  std::vector<std::vector<uint64_t>> values;  // per declared column, 8-byte aligned storage
};

// Copies `frame` (of `rows` rows, frame_rows) into `out`, reusing its buffers.
void keep_frame(const DecodedFrame& frame, uint64_t rows, KeptFrame& out);

}  // namespace simingest::storage::avro
