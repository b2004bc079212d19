// A stream as the engine holds it from open to close: its configuration and
// what is derived from it once (the Parquet schema, the column index), its
// counters, the next sequence number and its sequencer.
//
// Immutable after open apart from the atomics (`counters`, `next_seq`,
// `commit_deadline_ns`), the sequencer and the index statistics, which guard
// themselves (stream_sequencer.hpp, published_index_statistics.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "core/ingest_counters.hpp"
#include "parquet/file_writer.hpp"
#include "pipeline/frame_quantize.hpp"
#include "pipeline/published_index_statistics.hpp"
#include "pipeline/stream_sequencer.hpp"

namespace simingest::pipeline {

struct StreamState {
  uint32_t index = 0;
  StreamConfig config;
  std::string schema_json;
  // stats(): the stream's schema versions as the dataset recorded them at
  // open (schemaHistory JSON, [] for a stream that never evolved) and the
  // version this run writes.
  nlohmann::ordered_json schema_history = nlohmann::ordered_json::array();
  int64_t schema_version = 1;
  uint64_t grid_rows = 0;  // cells of a frame: of the block if any, else of the grid; 0 without a grid
  // With a block: the global C-order cell index of each of a frame's rows,
  // written as the last column (`cell`) of every row group; shared by every
  // frame, so a frame costs no allocation for it. Its statistics, once.
  std::vector<int64_t> cells;
  ColumnStats cell_stats;
  // The bloom filters a frame's rows may need once encoded (bytes per row, and
  // columns with a filter: at least one 32-byte block each), charged with its
  // encode reservation.
  double bloom_bytes_per_row = 0;
  uint32_t bloom_columns = 0;
  // Declared column name -> its index, for frames that do not list columns in
  // declared order (keys view config.columns' names, which never move).
  std::unordered_map<std::string_view, uint32_t> column_index;
  parquet::FileSchema file_schema;               // step, time, then the columns
  std::vector<parquet::KeyValue> file_metadata;  // simingest.* keys
  IngestCounters counters;
  // One per column: the error quantisation made (used by quantised columns).
  std::unique_ptr<QuantizeErrorTotals[]> quantize_errors;
  std::atomic<uint64_t> next_seq{0};
  // resumeFromStep: the dataset kept this stream's frames up to this step, so
  // re-run frames with a step at most this are skipped, not written twice.
  bool skip_resumed = false;
  int64_t skip_resumed_through = 0;
  // Routes realtime and both: the stream's log in RealtimeLog; else -1.
  int32_t realtime_slot = -1;
  // commitIntervalMs in nanoseconds (0: off) and the monotonic time by which
  // the open row group and file are due to be committed, 0 while no frame
  // waits on it (commit_interval_timer.hpp).
  int64_t commit_interval_ns = 0;
  std::atomic<int64_t> commit_deadline_ns{0};

  // Frames arrive from workers in any order and leave in seq order.
  StreamSequencer sequencer;

  // The time index of its committed files, for stats() (guards itself).
  PublishedIndexStatistics index_statistics;
};

}  // namespace simingest::pipeline
