// The realtime path: one Avro log file per routed stream, written by one
// writer thread with group commit (docs/ARCHITECTURE.md "The realtime path").
//
// Host threads append(): the frame is encoded as one Avro record straight
// into its stream's pending block (a byte vector whose capacity is kept, so
// steady state allocates nothing) and gets a ticket, the stream's count of
// records appended. The writer thread takes a stream's pending block when
// `syncEveryFrames` records wait, when the oldest has waited `syncEveryMs`,
// at once when someone waits for durability (ack-after-fsync, flush), or at
// stop; it compresses it, writes it as one Avro block with one write(), and
// fsyncs. Then `durable` moves up to the block's last ticket and waiters wake.
// Pending bytes per stream are bounded: a host waits for the writer beyond
// kMaxPendingBytes.
//
// Invariant: every appended record is in exactly one of: its stream's pending
// block, the block the writer is writing, or the file; `durable` (records
// fsynced) <= `written` (records in the file) <= `appended`, per stream, and a
// block is written only after every block taken before it. Once the writer
// fails (disk full, I/O error) the failure is sticky: waiters and later
// appends get its status and message; records already fsynced stay readable.
// Lock: `mutex_` guards pending blocks, tickets, the failure and the stop
// flag; files, the codec and the writer's own buffers belong to the writer
// thread (and to open()/stop() while it is not running).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/config.hpp"
#include "core/status.hpp"
#include "storage/avro_container.hpp"
#include "storage/realtime_log_files.hpp"

namespace simingest::pipeline {

struct RealtimeCounters {
  std::atomic<uint64_t> frames{0};   // records appended
  std::atomic<uint64_t> bytes{0};    // bytes written to the log (blocks, headers)
  std::atomic<uint64_t> blocks{0};
  std::atomic<uint64_t> fsyncs{0};
};

// Compaction of a stream's log into Parquet (pipeline/log_compaction.hpp),
// for stats().realtime: written by the thread that compacts (open, close),
// read by stats().
struct CompactionCounters {
  std::atomic<uint64_t> runs{0};         // compactions that found records to move
  std::atomic<uint64_t> frames{0};       // records moved into Parquet
  std::atomic<uint64_t> bytes_in{0};     // log bytes read
  std::atomic<uint64_t> bytes_out{0};    // Parquet bytes committed
  std::atomic<uint64_t> files{0};        // Parquet files committed
  std::atomic<uint64_t> segments_retired{0};
  mutable std::mutex mutex;              // guards last_error
  std::string last_error;                // empty: the last compaction succeeded
};

class RealtimeLog {
 public:
  explicit RealtimeLog(Durability durability) noexcept;
  ~RealtimeLog();
  RealtimeLog(const RealtimeLog&) = delete;
  RealtimeLog& operator=(const RealtimeLog&) = delete;

  // Recovers the logs of `streams` (each routed) in the dataset at `root`
  // and starts a new segment for each: header written and fsynced. Stream i
  // of `streams` is slot i, `compacted[i]` its compaction mark in the
  // manifest (segments before it are deleted; the new one is never below
  // it). Throws Error: corrupt (a damaged log was quarantined; the message
  // names it), io.
  void open(const std::string& root, const std::vector<const StreamConfig*>& streams,
            const std::vector<storage::LogMark>& compacted);
  // Starts the writer thread. Throws Error(resource_limit).
  void start();
  bool empty() const noexcept { return logs_.empty(); }

  // The pending block of `slot`, locked, for the host to encode one record
  // into (Appender's constructor); commit() hands back the ticket.
  class Appender {
   public:
    Appender(RealtimeLog& log, uint32_t slot);
    storage::avro::Bytes& block() noexcept;
    // Counts the record; returns its ticket. `failed` (sticky failure) leaves
    // the block as it was and returns 0 with `status` set.
    uint64_t commit(Status& status, std::string& message) noexcept;
    // Drops what was encoded since the constructor (an exception mid-encode).
    void abandon() noexcept;

   private:
    RealtimeLog& log_;
    uint32_t slot_;
    std::unique_lock<std::mutex> lock_;
    std::size_t start_;
  };

  // Waits until record `ticket` of `slot` is fsynced (ack-after-fsync).
  Status wait_durable(uint32_t slot, uint64_t ticket, std::string& message) noexcept;
  // Writes and fsyncs every record appended before the call; waits. Throws Error.
  void sync_all();
  // The same without waiting: `done` runs exactly once, on the writer thread
  // (or in stop(), or here if nothing is routed), once those records are
  // fsynced or the log has failed. Throws std::bad_alloc (then `done` never runs).
  using SyncDone = std::function<void(Status, const std::string&)>;
  void sync_all_async(SyncDone done);
  // Writes and fsyncs what is pending, joins the writer, closes the files.
  // Idempotent. Throws Error if the writer failed.
  void stop();

  Durability durability() const noexcept { return durability_; }
  const RealtimeCounters& counters(uint32_t slot) const noexcept;
  const std::vector<storage::RealtimeLogRecovery>& recovery() const noexcept { return recovery_; }
  std::string path_of(uint32_t slot) const;  // relative to the dataset
  uint64_t segment_of(uint32_t slot) const noexcept;  // the segment this session writes
  CompactionCounters& compaction(uint32_t slot) noexcept;
  const CompactionCounters& compaction(uint32_t slot) const noexcept;

  static constexpr std::size_t kMaxPendingBytes = 64u << 20;

 private:
  struct StreamLog;
  void run_writer();
  bool due(const StreamLog& log, int64_t now_ns) const noexcept;
  int64_t next_deadline_ns() const noexcept;
  void write_block(StreamLog& log, int64_t count);
  void fail(Status status, const std::string& message) noexcept;
  // Under mutex_, for sync_all and sync_all_async: every log's last ticket
  // now, each asked of the writer as durable (sync_wanted).
  std::vector<uint64_t> want_all_durable();
  // Under mutex_: whether every log is durable through its ticket in `targets`.
  bool durable_through(const std::vector<uint64_t>& targets) const noexcept;
  // Takes the async syncs that are complete (or all, once failed) out of
  // `syncs_`; the caller runs them without the lock.
  std::vector<std::pair<SyncDone, Status>> take_finished_syncs();
  static void run_syncs(std::vector<std::pair<SyncDone, Status>>& finished, const std::string& message) noexcept;

  Durability durability_;
  std::string root_;
  std::vector<std::unique_ptr<StreamLog>> logs_;
  std::vector<storage::RealtimeLogRecovery> recovery_;

  mutable std::mutex mutex_;
  std::condition_variable writer_wake_;  // the writer sleeps on it
  std::condition_variable progress_;     // hosts wait on it (durability, room)
  bool stopping_ = false;
  struct PendingSync {
    std::vector<uint64_t> targets;  // per slot: the ticket that must be durable
    SyncDone done;
  };
  std::vector<PendingSync> syncs_;  // sync_all_async() not yet answered
  Status failure_ = Status::ok;
  std::string failure_message_;
  std::thread writer_;
};

}  // namespace simingest::pipeline
