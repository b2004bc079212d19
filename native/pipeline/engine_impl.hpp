// The engine's shared state, private to native/pipeline/. Each part of the
// life of a frame lives in its own file:
//   frame_admission.cpp   host thread: validate, charge the budget, copy, enqueue
//   stream_sequencer.cpp  worker: frame statistics, ingest-order row-group building
//   chunk_encoding.cpp    worker: one column chunk of a row group → pages
//   commit_writer.cpp     commit thread: row groups → files → manifest, in order
//   engine.cpp            open, flush, close, statistics
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "core/config.hpp"
#include "core/ingest_counters.hpp"
#include "core/stage_stats.hpp"
#include "parquet/column_chunk.hpp"
#include "parquet/file_writer.hpp"
#include "pipeline/buffer_pool.hpp"
#include "pipeline/flush_ticket.hpp"
#include "pipeline/frame.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/memory_budget.hpp"
#include "pipeline/mpmc_queue.hpp"
#include "pipeline/row_group.hpp"
#include "pipeline/semaphore.hpp"
#include "storage/dataset.hpp"

namespace simingest {

namespace pipeline {

struct FrameSeqGreater {
  bool operator()(const Frame* a, const Frame* b) const noexcept { return a->seq > b->seq; }
};

// A stream's configuration, counters and sequencer.
struct StreamState {
  uint32_t index = 0;
  StreamConfig config;
  std::string schema_json;
  uint64_t grid_rows = 0;  // product of the grid, 0 without a grid
  parquet::FileSchema file_schema;               // step, time, then the columns
  std::vector<parquet::KeyValue> file_metadata;  // simingest.* keys
  IngestCounters counters;
  std::atomic<uint64_t> next_seq{0};

  // Sequencer: frames arrive from workers in any order and leave in seq order.
  std::mutex mutex;
  uint64_t next_expected = 0;
  std::priority_queue<Frame*, std::vector<Frame*>, FrameSeqGreater> pending;
  std::unique_ptr<RowGroup> building;
  uint64_t next_row_group = 0;
};

struct ChunkTask {
  RowGroup* row_group;
  uint32_t column;  // 0 step, 1 time, 2.. the stream's columns
};

// The commit thread's view of a stream: its open file.
struct OpenFile {
  std::unique_ptr<storage::PendingFile> file;
  std::unique_ptr<parquet::FileWriter> writer;
  storage::ManifestFile entry;
  uint64_t frames = 0;
};

}  // namespace pipeline

struct Engine::Impl {
  Config config;
  EngineOptions options;
  uint64_t row_group_target = 0;
  std::unique_ptr<storage::Dataset> dataset;
  std::vector<std::unique_ptr<pipeline::StreamState>> streams;
  IngestCounters unattributed;  // rejections that name no known stream

  pipeline::MemoryBudget budget;
  pipeline::BufferPool pool;
  pipeline::MpmcQueue<pipeline::Frame*> frame_queue;

  std::mutex chunk_mutex;
  std::deque<pipeline::ChunkTask> chunk_tasks;
  pipeline::Semaphore work_available;
  std::vector<std::thread> workers;
  std::atomic<bool> workers_stop{false};

  std::mutex commit_mutex;
  std::condition_variable commit_ready;
  std::deque<pipeline::RowGroup*> commit_queue;
  bool commit_stop = false;
  std::thread commit_thread;

  std::atomic<bool> closed{false};
  std::atomic<bool> failed{false};
  std::mutex failure_mutex;
  Status failure_status = Status::ok;
  std::string failure_message;

  StageStats stage_validate, stage_queue, stage_stats, stage_encode, stage_compress, stage_write,
      stage_fsync;

  Impl(Config parsed, const EngineOptions& engine_options);

  // frame_admission.cpp
  Status admit(const char* stream, int64_t step, double time, const simingest_column* columns,
               std::size_t ncolumns, bool nowait, std::string& message) noexcept;
  uint64_t room_estimate(std::size_t array_bytes) const noexcept;
  void enqueue(pipeline::Frame* frame);

  // stream_sequencer.cpp
  void run_worker();
  void process_frame(pipeline::Frame* frame);
  void sequence(pipeline::Frame* frame);
  void seal(pipeline::StreamState& stream, bool close_file, pipeline::FlushTicket* ticket);

  // chunk_encoding.cpp
  void encode_chunk(const pipeline::ChunkTask& task, parquet::ColumnChunkEncoder& encoder,
                    std::vector<parquet::ValueSegment>& segments);
  void release_frames(pipeline::RowGroup& row_group) noexcept;

  // commit_writer.cpp
  void submit_for_commit(pipeline::RowGroup* row_group);
  void run_commit();

  // ingestor.cpp
  void record_failure(Status status, const std::string& message);
  Status failure(std::string& message);
};

}  // namespace simingest
