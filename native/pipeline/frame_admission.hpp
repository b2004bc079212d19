// Frame admission, the host thread's share of an ingest call. admit() runs
// named steps: find the stream, check time and match the columns
// (frame_validation.hpp), skip a resumed step, charge the budget (waiting for
// room under the `block` policy), copy and scan, enqueue. It also owns the
// other end of a charge (recycle), the markers sent down the streams
// (flush barriers, seal markers) and memory-pressure relief.
//
// Invariant: admit() either refuses a frame with nothing of it held (its
// buffer recycled, its reservation released, a rejection counted unless the
// ingestor is closed or failed) or accepts it: counted as accepted, its
// buffer and encode reservation charged to the budget, and pushed into the
// frame queues exactly once with the next `seq` of its stream. A frame
// dropped (policy `drop`) or skipped (resumeFromStep) holds nothing.
// Relief: `relief_pending_` is true from the moment relieve_memory_pressure()
// sends a round of seal markers until every one of them has passed its
// stream (`relief_remaining_` counts them down), so at most one round is on
// its way; `row_groups_in_flight_` counts row groups sealed and not yet
// committed, which will free memory without help.
// Locks: none of its own. The relief state is atomics touched only with
// acq_rel read-modify-writes; waiting for room is MemoryBudget's (its mutex);
// the budget, the pools and the queues are thread-safe by themselves, and
// the configuration and streams are immutable after open.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/config.hpp"
#include "core/ingest_counters.hpp"
#include "core/stage_stats.hpp"
#include "core/status.hpp"
#include "pipeline/buffer_pool.hpp"
#include "pipeline/commit_interval_timer.hpp"
#include "pipeline/frame.hpp"
#include "pipeline/frame_queues.hpp"
#include "pipeline/frame_validation.hpp"
#include "pipeline/memory_budget.hpp"
#include "pipeline/node_buffer_pools.hpp"
#include "pipeline/realtime_log.hpp"
#include "pipeline/sticky_failure.hpp"
#include "pipeline/subscriptions.hpp"
#include "simingest.h"

namespace simingest::pipeline {

struct StreamState;
struct FrameLoan;

// Rows gathered by a RowAppender (row_appender.hpp), handed over as one
// frame whose rows keep their own step and time (ADR 0021). Every array
// has `rows` elements; `columns` lists the stream's columns in declared order.
struct RowBatch {
  const simingest_column* columns = nullptr;
  const int64_t* steps = nullptr;
  const double* times = nullptr;
  uint64_t rows = 0;
  int64_t partition = 0;  // every row's (the appender cuts a batch where it changes)
  int64_t step_min = 0, step_max = 0;
  double time_min = 0, time_max = 0;
};

// What admission took from the budget and the pool for one frame.
struct FrameCharge {
  uint64_t buffer_bytes = 0;  // header, column table and padded arrays
  uint64_t reserve = 0;       // for the encoded pages (encode_reserve_bytes)
  uint64_t need = 0;          // charged now: the reserve, plus the buffer unless it came from the cache
  std::size_t node = 0;       // NUMA node of the buffer's pool
  Buffer buffer;              // null until allocated if the cache had none
  bool held = false;          // false: the frame was dropped (policy "drop"), nothing is held
};

class FrameAdmission {
 public:
  using Streams = std::vector<std::unique_ptr<StreamState>>;
  using StreamIndex = std::unordered_map<std::string_view, StreamState*>;

  // Everything by reference, owned by Engine::Impl and outliving this.
  // `streams` and `stream_index` are filled by open() before the first call;
  // `unattributed` counts rejections that name no known stream; `closed` and
  // `failure` refuse frames once set; `stage_validate` times admit();
  // `commit_timer` hears of every data frame enqueued.
  FrameAdmission(const Config& config, const Streams& streams, const StreamIndex& stream_index,
                 IngestCounters& unattributed, MemoryBudget& budget, NodeBufferPools& pools, FrameQueues& queues,
                 const std::atomic<bool>& closed, const StickyFailure& failure, StageStats& stage_validate,
                 RealtimeLog& realtime, CommitIntervalTimer& commit_timer,
                 Subscriptions& subscriptions) noexcept
      : config_(config),
        streams_(streams),
        stream_index_(stream_index),
        unattributed_(unattributed),
        budget_(budget),
        pools_(pools),
        queues_(queues),
        closed_(closed),
        failure_(failure),
        stage_validate_(stage_validate),
        realtime_(realtime),
        commit_timer_(commit_timer),
        subscriptions_(subscriptions) {}
  FrameAdmission(const FrameAdmission&) = delete;
  FrameAdmission& operator=(const FrameAdmission&) = delete;

  // One ingest call (Engine::ingest). Never throws.
  Status admit(const char* stream, int64_t step, double time, const simingest_column* columns,
               std::size_t ncolumns, bool nowait, std::string& message) noexcept;

  // Loaned frames (frame_loan_admission.cpp, through LoanLedger): begin
  // charges the budget as ingest() does and lays out a buffer with `rows`
  // values of every column for the host to write; commit scans the
  // `nonFinite: "reject"` columns in place and enqueues the very buffer (the
  // tail of admit() without the copy); give_back recycles it (abort, leak,
  // a refused commit). Never throw.
  Status begin_loan(const char* stream, int64_t step, double time, uint64_t rows, FrameLoan& loan,
                    std::string& message) noexcept;
  Status commit_loan(FrameLoan& loan, std::string& message) noexcept;
  void give_back_loan(FrameLoan& loan) noexcept;
  // A RowAppender's rows as one frame (frame_admission_rows.cpp): charged,
  // copied and enqueued like admit()'s, under the same invariant. The
  // appender checked time, partition, non-finite values and the resume skip
  // row by row. Never throws.
  Status admit_rows(StreamState& stream, const RowBatch& batch, std::string& message) noexcept;

  // Engine::notify_room: calls back once about `bytes` of arrays might fit.
  void notify_room(std::size_t bytes, simingest_room_callback callback, void* user) noexcept;

  // Sends a barrier or seal marker down one stream, in its ingest order.
  // Throws std::bad_alloc (a marker's buffer).
  void enqueue_marker(StreamState& stream, Frame::Kind kind, FlushTicket* ticket, QueryTicket* query = nullptr);

  // A frame buffer whose frame is done: cached (its budget charge moves to the
  // cache) unless a host waits for room or the cache is full, then freed and
  // its charge released.
  void recycle(Buffer buffer) noexcept;

  // Seals every stream's row group if nothing already sealed will free memory.
  void relieve_memory_pressure() noexcept;

  // The workers and the commit thread report row groups and seal markers.
  void row_group_sealed() noexcept { row_groups_in_flight_.fetch_add(1, std::memory_order_acq_rel); }
  void row_group_done() noexcept { row_groups_in_flight_.fetch_sub(1, std::memory_order_acq_rel); }
  // A seal marker of relieve_memory_pressure() passed its stream.
  void seal_marker_done() noexcept {
    if (relief_remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1)
      relief_pending_.store(false, std::memory_order_release);
  }

 private:
  StreamState* find_stream(const char* name, Status& status, std::string& message);
  Status charge_budget(StreamState& stream, const simingest_column* columns, const FrameShape& shape, bool nowait,
                       FrameCharge& charge, std::string& message);
  bool make_room(uint64_t need) noexcept;
  // A waiting frame takes a cached buffer that fits it, if one is there
  // (already charged: the frame's charge drops to its reserve); then charges
  // what it still needs, evicting idle cached buffers for it if need be.
  bool take_cached_and_charge(FrameCharge& charge) noexcept;
  Status wait_for_room(StreamState& stream, const simingest_column* columns, const FrameShape& shape,
                       FrameCharge& charge, const std::string& full, std::string& message);
  Status copy_and_scan(StreamState& stream, const simingest_column* columns, const FrameShape& shape,
                       FrameCharge& charge, Frame*& frame, std::string& message);
  // The charge's buffer, allocated now if the cache had none; on failure the
  // charge is released.
  Status ensure_buffer(StreamState& stream, FrameCharge& charge, std::string& message);
  // A data frame, laid out and checked, leaves admission: counted, given its
  // seq, enqueued, and the commit timer told.
  void accept(StreamState& stream, Frame* frame) noexcept;
  void enqueue(Frame* frame) noexcept;
  // The router's realtime leg: one record into the stream's log, a copy to
  // each subscriber, then under ack-after-fsync the wait for its fsync. `scan`: check nonFinite "reject"
  // columns first (a realtime-only frame; the batch copy scanned the others).
  Status admit_realtime(StreamState& stream, int64_t step, double time, const simingest_column* columns,
                        const FrameShape& shape, bool scan, std::string& message);
  // The charge of a frame of `array_bytes` on the widest stream, at least that
  // of the last frame refused with WOULD_BLOCK (notify_room).
  uint64_t room_estimate(std::size_t array_bytes) noexcept;

  const Config& config_;
  const Streams& streams_;
  const StreamIndex& stream_index_;
  IngestCounters& unattributed_;
  MemoryBudget& budget_;
  NodeBufferPools& pools_;
  FrameQueues& queues_;
  const std::atomic<bool>& closed_;
  const StickyFailure& failure_;
  StageStats& stage_validate_;
  RealtimeLog& realtime_;
  CommitIntervalTimer& commit_timer_;
  Subscriptions& subscriptions_;

  // Memory pressure: when the budget is full and no sealed row group is on
  // its way to disk, only unsealed row groups hold the memory; seal markers
  // cut them so they can be encoded and freed.
  std::atomic<int64_t> row_groups_in_flight_{0};
  std::atomic<bool> relief_pending_{false};
  std::atomic<uint64_t> last_would_block_charge_{0};  // total charge of the last nowait refusal (room_estimate)
  std::atomic<uint32_t> relief_remaining_{0};
};

}  // namespace simingest::pipeline
