// Reading a realtime log record back as a frame, for compaction
// (pipeline/log_compaction.hpp): the inverse of pipeline/avro_record.cpp.
// Values come back in the stream's dtype, bit for bit as ingested: floats are
// the bytes Avro stored, integers narrowed from the long Avro stored (they
// were widened from that dtype, so narrowing is exact).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/dtype.hpp"

namespace simingest::storage::avro {

struct LogColumn {
  bool is_scalar = false;
  uint64_t count = 0;                // values in `values` (1 for a scalar)
  std::vector<unsigned char> values; // `count` values of the column's dtype, packed
};

struct LogFrame {
  int64_t step = 0;
  double time = 0;
  // Like admission: the arrays' length, else the grid's cells, else 1.
  uint64_t rows = 0;
  std::vector<LogColumn> columns;  // per declared column
};

// Decodes one record (`size` bytes, as scan_log hands it) of a stream with
// columns of `dtypes` and `grid_rows` cells (0: no grid) into `out`, reusing
// its buffers. False if the record does not decode as such, or its arrays
// disagree in length.
bool decode_log_record(const uint8_t* data, std::size_t size, const std::vector<Dtype>& dtypes,
                       uint64_t grid_rows, LogFrame& out);

}  // namespace simingest::storage::avro
