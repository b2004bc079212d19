// The engine's shared state, private to native/pipeline/. Each part of the
// life of a frame lives in its own file:
//   frame_admission.cpp   host thread: charge the budget, copy, enqueue
//   frame_validation.cpp  host thread: check a frame against its stream's schema
//   worker_loop.cpp       worker: take encoding tasks and frames, spin, sleep
//   frame_queues.cpp      the per-node frame queues and the one spinner (ADR 0010)
//   stream_sequencer.cpp  worker: frame statistics, ingest-order row-group building
//   chunk_encoding.cpp    worker: one column chunk of a row group → pages
//   commit_writer.cpp     commit thread: row groups → files → manifest, in order
//   engine.cpp            open, flush, close, statistics
// Engine::Impl composes components that own their state: FrameQueues,
// StreamSequencer (one per stream), ChunkTaskQueue, CommitWriter and
// StickyFailure; each one's header states its invariant and which lock
// guards what. The rest of Impl is immutable after open (configuration,
// streams' schemas), thread-safe by itself (budget, pools, counters, stage
// timings) or atomics (memory-pressure relief, closed).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/config.hpp"
#include "core/ingest_counters.hpp"
#include "core/stage_stats.hpp"
#include "parquet/column_chunk.hpp"
#include "pipeline/buffer_pool.hpp"
#include "pipeline/chunk_task_queue.hpp"
#include "pipeline/commit_writer.hpp"
#include "pipeline/flush_ticket.hpp"
#include "pipeline/frame.hpp"
#include "pipeline/frame_admission.hpp"
#include "pipeline/frame_queues.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/memory_budget.hpp"
#include "pipeline/numa_topology.hpp"
#include "pipeline/query_ticket.hpp"
#include "query/footer_cache.hpp"
#include "pipeline/row_group.hpp"
#include "pipeline/semaphore.hpp"
#include "pipeline/sticky_failure.hpp"
#include "pipeline/stream_sequencer.hpp"
#include "storage/dataset.hpp"

namespace simingest {

namespace pipeline {

// A stream's configuration, counters and sequencer.
struct StreamState {
  uint32_t index = 0;
  StreamConfig config;
  std::string schema_json;
  uint64_t grid_rows = 0;  // product of the grid, 0 without a grid
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
  std::atomic<uint64_t> next_seq{0};
  // resumeFromStep: the dataset kept this stream's frames up to this step, so
  // re-run frames with a step at most this are skipped, not written twice.
  bool skip_resumed = false;
  int64_t skip_resumed_through = 0;

  // Frames arrive from workers in any order and leave in seq order.
  StreamSequencer sequencer;
};

// One BufferPool per NUMA node. A buffer goes back to the pool it came from
// (Buffer::node), so a pool only ever caches memory first touched on its
// node. With one node this is the single pool of old, behind one indirection.
class NodeBufferPools {
 public:
  NodeBufferPools(std::size_t nodes, std::size_t cache_limit_per_node) {
    for (std::size_t i = 0; i < nodes; ++i) pools_.push_back(std::make_unique<BufferPool>(cache_limit_per_node));
  }
  Buffer take(std::size_t size, std::size_t node) noexcept {
    Buffer buffer = pools_[node]->take(size);
    buffer.node = static_cast<uint32_t>(node);
    return buffer;
  }
  Buffer allocate(std::size_t size, std::size_t node) {
    Buffer buffer = pools_[node]->allocate(size);
    buffer.node = static_cast<uint32_t>(node);
    return buffer;
  }
  bool put(Buffer buffer) noexcept { return pools_[buffer.node]->put(buffer); }
  std::size_t evict(std::size_t bytes) noexcept {
    std::size_t freed = 0;
    for (auto& pool : pools_)
      if (freed < bytes) freed += pool->evict(bytes - freed);
    return freed;
  }
  std::size_t cached_bytes() const {
    std::size_t total = 0;
    for (const auto& pool : pools_) total += pool->cached_bytes();
    return total;
  }
  const BufferPool& of_node(std::size_t node) const noexcept { return *pools_[node]; }

 private:
  std::vector<std::unique_ptr<BufferPool>> pools_;
};

// Where a worker was asked to run (affinity) and where it ended up.
struct WorkerPlacement {
  std::vector<int> requested;   // empty: left to the scheduler
  std::vector<int> running_on;  // read back by the worker itself after pinning
  std::string failure;          // why pinning failed; the worker runs unpinned
};

}  // namespace pipeline

struct Engine::Impl {
  Config config;
  EngineOptions options;
  uint64_t row_group_target = 0;
  std::unique_ptr<storage::Dataset> dataset;
  std::string recovery_json;  // dataset->recovery() at open, for stats after close too
  std::shared_ptr<const storage::DurableSteps> durable_steps;  // checkpoint(), also after close
  std::vector<std::unique_ptr<pipeline::StreamState>> streams;
  std::unordered_map<std::string_view, pipeline::StreamState*> stream_index;  // by name (config.name)
  IngestCounters unattributed;  // rejections that name no known stream

  // Per NUMA node (index into topology->nodes()): a buffer pool and a frame
  // queue. Hosts use their current node's; a frame goes into the queue of the
  // node its buffer came from; workers pop their own node's queue first.
  std::shared_ptr<const pipeline::NumaTopology> topology;
  pipeline::MemoryBudget budget;
  pipeline::NodeBufferPools pool;

  // Workers sleep on this semaphore; frame pushes (unless a worker spins),
  // encoding tasks and close() post it. Declared before its posters.
  pipeline::Semaphore work_available;
  pipeline::FrameQueues frame_queues;
  pipeline::ChunkTaskQueue chunk_tasks{work_available};
  std::vector<std::thread> workers;
  std::atomic<bool> workers_stop{false};
  // Filled by each worker before it takes work when affinity is not "none";
  // open() waits for all of them, so readers after open() need no lock.
  std::vector<pipeline::WorkerPlacement> placements;
  std::mutex placement_mutex;
  std::condition_variable placement_done;
  std::size_t placements_pending = 0;

  pipeline::CommitWriter commit_writer{*this};
  // Footers of committed files, read once for all of this engine's queries.
  std::shared_ptr<query::FooterCache> footers = std::make_shared<query::FooterCache>();

  // Memory pressure: when the budget is full and no sealed row group is on its
  // way to disk, only unsealed row groups hold the memory; seal markers cut
  // them so they can be encoded and freed (relieve_memory_pressure()).
  std::atomic<int64_t> row_groups_in_flight{0};
  std::atomic<bool> relief_pending{false};
  std::atomic<uint32_t> relief_remaining{0};

  std::atomic<bool> closed{false};
  pipeline::StickyFailure failure;

  StageStats stage_validate, stage_queue, stage_stats, stage_encode, stage_compress, stage_write,
      stage_fsync;

  Impl(Config parsed, const EngineOptions& engine_options);

  // The node index of the CPU this thread runs on; 0 without a second node.
  std::size_t current_node() const noexcept { return frame_queues.current_node(); }

  // frame_admission.cpp: admit() runs find_stream, the checks of
  // frame_validation.cpp, the resume skip, charge_budget (wait_for_room),
  // copy_and_scan, then enqueue.
  Status admit(const char* stream, int64_t step, double time, const simingest_column* columns,
               std::size_t ncolumns, bool nowait, std::string& message) noexcept;
  pipeline::StreamState* find_stream(const char* name, Status& status, std::string& message);
  Status charge_budget(pipeline::StreamState& stream, const simingest_column* columns,
                       const pipeline::FrameShape& shape, bool nowait, pipeline::FrameCharge& charge,
                       std::string& message);
  bool make_room(uint64_t need) noexcept;
  Status wait_for_room(pipeline::StreamState& stream, const simingest_column* columns,
                       const pipeline::FrameShape& shape, pipeline::FrameCharge& charge, const std::string& full,
                       std::string& message);
  Status copy_and_scan(pipeline::StreamState& stream, const simingest_column* columns,
                       const pipeline::FrameShape& shape, pipeline::FrameCharge& charge, pipeline::Frame*& frame,
                       std::string& message);
  uint64_t room_estimate(std::size_t array_bytes) const noexcept;
  void enqueue(pipeline::Frame* frame);
  // A frame buffer whose frame is done: cached (its budget charge moves to the
  // cache) unless a host waits for room or the cache is full, then freed and
  // its charge released.
  void recycle(pipeline::Buffer buffer) noexcept;
  // Sends a barrier or seal marker down one stream, in its ingest order.
  void enqueue_marker(pipeline::StreamState& stream, pipeline::Frame::Kind kind, pipeline::FlushTicket* ticket,
                      pipeline::QueryTicket* query = nullptr);
  // Seals every stream's row group if nothing already sealed will free memory.
  void relieve_memory_pressure() noexcept;

  // worker_loop.cpp
  void run_worker(unsigned index);

  // stream_sequencer.cpp
  void process_frame(pipeline::Frame* frame);
  void sequence(pipeline::Frame* frame);
  // A row group the stream's sequencer sealed: to the encoders, or straight
  // to the commit thread if it has no rows.
  void dispatch(const pipeline::StreamState& stream, std::unique_ptr<pipeline::RowGroup> group);
  void seal_marker_done() noexcept;

  // chunk_encoding.cpp
  void encode_chunk(const pipeline::ChunkTask& task, parquet::ColumnChunkEncoder& encoder,
                    std::vector<parquet::ValueSegment>& segments);
  void release_frames(pipeline::RowGroup& row_group) noexcept;
  // Lets go of one hold on a frame (frame.hpp); the last recycles its buffer.
  void release_frame(pipeline::Frame* frame) noexcept;

  // engine.cpp
  void place_worker(unsigned index) noexcept;
};

}  // namespace simingest
