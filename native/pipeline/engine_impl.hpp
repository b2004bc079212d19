// The engine's shared state, private to native/pipeline/. Each part of the
// life of a frame lives in its own file:
//   frame_admission.cpp   host thread: charge the budget, copy, enqueue
//   frame_validation.cpp  host thread: check a frame against its stream's schema
//   worker_pool.cpp       start, place (affinity) and stop the workers
//   worker_loop.cpp       worker: take encoding tasks and frames, spin, sleep
//   frame_queues.cpp      the per-node frame queues and the one spinner (ADR 0010)
//   stream_sequencer.cpp  worker: frame statistics, ingest-order row-group building
//   chunk_encoding.cpp    worker: one column chunk of a row group → pages
//   commit_writer.cpp     commit thread: row groups → files → manifest, in order
//   realtime_log.cpp      writer thread: the realtime path's Avro logs, group commit
//   commit_interval_timer.cpp  timer thread: a barrier once a frame waited commitIntervalMs
//   subscriptions.cpp     delivery thread: realtime frames to in-process subscribers
//   engine.cpp            open, flush, close, statistics
// Engine::Impl holds the configuration, the streams and the components that
// own their state: FrameAdmission, FrameQueues, StreamSequencer (one per
// stream), ChunkTaskQueue, WorkerPool, CommitWriter and StickyFailure; each
// one's header states its invariant and which lock guards what. The rest of
// Impl is immutable after open (configuration, streams' schemas), thread-safe
// by itself (budget, pools, counters, stage timings) or an atomic (closed).
// Components get what they use by reference; members are declared before
// the components that refer to them, so they outlive them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/config.hpp"
#include "core/ingest_counters.hpp"
#include "core/stage_stats.hpp"
#include "parquet/column_chunk.hpp"
#include "pipeline/buffer_pool.hpp"
#include "pipeline/chunk_task_queue.hpp"
#include "pipeline/commit_interval_timer.hpp"
#include "pipeline/commit_writer.hpp"
#include "pipeline/flush_ticket.hpp"
#include "pipeline/frame.hpp"
#include "pipeline/frame_admission.hpp"
#include "pipeline/frame_loan.hpp"
#include "pipeline/frame_queues.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/memory_budget.hpp"
#include "pipeline/node_buffer_pools.hpp"
#include "pipeline/numa_topology.hpp"
#include "pipeline/query_ticket.hpp"
#include "pipeline/realtime_log.hpp"
#include "pipeline/row_group.hpp"
#include "pipeline/semaphore.hpp"
#include "pipeline/sticky_failure.hpp"
#include "pipeline/stream_sequencer.hpp"
#include "pipeline/stream_state.hpp"
#include "pipeline/subscriptions.hpp"
#include "pipeline/worker_pool.hpp"
#include "query/footer_cache.hpp"
#include "storage/dataset.hpp"

namespace simingest {

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

  std::atomic<bool> closed{false};
  pipeline::StickyFailure failure;

  StageStats stage_validate, stage_queue, stage_stats, stage_encode, stage_compress, stage_write,
      stage_fsync;

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
  pipeline::WorkerPool workers{work_available};

  // The realtime path's logs and writer thread (routes realtime and both).
  pipeline::RealtimeLog realtime{config.durability};
  // In-process subscribers of the realtime path; shared with their handles,
  // which may outlive the engine (engine_subscribe.cpp).
  std::shared_ptr<pipeline::Subscriptions> subscriptions = std::make_shared<pipeline::Subscriptions>();

  // Rolls streams over once a frame has waited commitIntervalMs (sends barriers through admission).
  pipeline::CommitIntervalTimer commit_timer{streams};
  pipeline::FrameAdmission admission{config, streams, stream_index, unattributed, budget, pool, frame_queues,
                                     closed, failure, stage_validate, realtime, commit_timer,
                                     *subscriptions};
  // Loaned frames (frame_loan.hpp): shared with their handles, which may outlive the engine.
  std::shared_ptr<pipeline::LoanLedger> loans = std::make_shared<pipeline::LoanLedger>(admission);

  pipeline::CommitWriter commit_writer{*this};
  // Footers of committed files, read once for all of this engine's queries.
  std::shared_ptr<query::FooterCache> footers = std::make_shared<query::FooterCache>();

  Impl(Config parsed, const EngineOptions& engine_options);

  // worker_loop.cpp
  void run_worker();

  // stream_sequencer.cpp
  void process_frame(pipeline::Frame* frame);
  void sequence(pipeline::Frame* frame);
  // A row group the stream's sequencer sealed: to the encoders, or straight
  // to the commit thread if it has no rows.
  void dispatch(const pipeline::StreamState& stream, std::unique_ptr<pipeline::RowGroup> group);

  // chunk_encoding.cpp
  void encode_chunk(const pipeline::ChunkTask& task, parquet::ColumnChunkEncoder& encoder,
                    std::vector<parquet::ValueSegment>& segments);
  void release_frames(pipeline::RowGroup& row_group) noexcept;
  // Lets go of one hold on a frame (frame.hpp); the last recycles its buffer.
  void release_frame(pipeline::Frame* frame) noexcept;
};

}  // namespace simingest
