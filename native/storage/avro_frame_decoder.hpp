// Decoding the realtime log's records back into frames: the inverse of
// pipeline/avro_record.cpp, for readers of the log (query/log_tail.hpp).
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

 private:
  std::vector<std::string> names_;
  std::vector<Dtype> dtypes_;
};

}  // namespace simingest::storage::avro
