// A row group on its way to disk: consecutive frames of one stream and one
// partition, sealed by the stream's sequencer, encoded column by column by the
// workers (in parallel), then written by the commit thread in `seq` order.
// A row group without frames is a marker: "close the stream's open file".
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "parquet/column_chunk.hpp"
#include "pipeline/frame.hpp"

namespace simingest::pipeline {

// What the time index keeps of a frame once its buffer is gone
// (storage/row_group_index.hpp).
struct FrameSpan {
  int64_t step = 0;
  double time = 0;
  uint64_t rows = 0;
};

struct RowGroup {
  uint32_t stream = 0;
  uint64_t seq = 0;        // per-stream row-group order
  int64_t partition = 0;
  bool close_file = false; // commit the file after this row group
  std::vector<FlushTicket*> tickets;
  QueryTicket* query = nullptr;  // a query marker: snapshot the stream's files when its turn comes  // counted down once this row group is committed
  std::vector<Frame*> frames;  // emptied once encoded (buffers back in the pool)
  std::vector<FrameSpan> frame_spans;  // every frame, in order, if the index records frames (records_frames)
  uint64_t frame_count = 0;
  uint64_t rows = 0;
  uint64_t bytes_in = 0;
  uint64_t raw_bytes = 0;  // array bytes, for the row-group size target
  uint64_t encode_reserve = 0;
  uint64_t charge = 0;     // budget its frames hold (buffers + encode reserve)
  int64_t step_min = 0, step_max = 0;
  double time_min = 0, time_max = 0;
  std::vector<parquet::EncodedColumnChunk> chunks;  // step, time, then the stream's columns
  std::atomic<uint32_t> chunks_pending{0};
};

}  // namespace simingest::pipeline
