// The realtime log's writer thread and group commit (realtime_log.hpp).
#include "pipeline/realtime_log.hpp"

#include <fcntl.h>

#include <algorithm>
#include <chrono>

#include "core/stage_stats.hpp"
#include "pipeline/thread_start.hpp"
#include "storage/durable_io.hpp"
#include "storage/verify.hpp"

namespace simingest::pipeline {

namespace avro = storage::avro;

struct RealtimeLog::StreamLog {
  explicit StreamLog(const StreamConfig& stream) : config(stream.realtime), codec(stream.realtime.codec) {}

  RealtimeConfig config;
  std::string relative_path, path;
  storage::FileDescriptor fd;
  avro::SyncMarker sync{};
  avro::BlockCodec codec;
  RealtimeCounters counters;
  CompactionCounters compaction;
  uint64_t segment = 0;

  // Guarded by mutex_.
  avro::Bytes pending;
  int64_t pending_count = 0;
  int64_t first_pending_ns = 0;
  uint64_t appended = 0;     // tickets handed out
  uint64_t durable = 0;      // tickets fsynced
  uint64_t sync_wanted = 0;  // the largest ticket someone waits to see durable

  // The writer's own.
  avro::Bytes writing, compressed, block;
};

RealtimeLog::RealtimeLog(Durability durability) noexcept : durability_(durability) {}

RealtimeLog::~RealtimeLog() {
  try {
    stop();
  } catch (...) {
    // stop() explicitly to see the failure.
  }
}

void RealtimeLog::open(const std::string& root, const std::vector<const StreamConfig*>& streams,
                       const std::vector<storage::LogMark>& compacted) {
  root_ = root;
  std::vector<storage::QuarantinedFile> quarantined;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    recovery_.push_back(storage::recover_realtime_log(root, *streams[i], compacted[i]));
    for (const auto& file : recovery_.back().quarantined) quarantined.push_back(file);
  }
  if (!quarantined.empty()) throw Error(Status::corrupt, storage::quarantine_message(root, quarantined));
  for (std::size_t i = 0; i < streams.size(); ++i) {
    auto log = std::make_unique<StreamLog>(*streams[i]);
    const std::string dir = storage::realtime_stream_directory(streams[i]->name);
    log->segment = recovery_[i].next_segment;
    log->relative_path = dir + "/" + storage::realtime_log_name(log->segment);
    log->path = root + "/" + log->relative_path;
    log->sync = avro::random_sync_marker();
    const avro::Bytes header =
        avro::container_header(avro::log_schema_json(*streams[i]), streams[i]->realtime.codec, log->sync);
    log->fd = storage::open_file(log->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0644, "create");
    storage::write_all(log->fd.get(), header.data(), header.size(), log->path);
    storage::fsync_file(log->fd.get(), log->path);
    storage::fsync_directory(root + "/" + dir);
    log->counters.bytes.fetch_add(header.size(), std::memory_order_relaxed);
    log->counters.fsyncs.fetch_add(1, std::memory_order_relaxed);
    log->pending.reserve(64 << 10);
    logs_.push_back(std::move(log));
  }
}

void RealtimeLog::start() {
  if (logs_.empty()) return;
  writer_ = start_thread("the realtime log writer", "si-realtime", [this] { run_writer(); });
}

const RealtimeCounters& RealtimeLog::counters(uint32_t slot) const noexcept { return logs_[slot]->counters; }

std::string RealtimeLog::path_of(uint32_t slot) const { return logs_[slot]->relative_path; }

uint64_t RealtimeLog::segment_of(uint32_t slot) const noexcept { return logs_[slot]->segment; }

CompactionCounters& RealtimeLog::compaction(uint32_t slot) noexcept { return logs_[slot]->compaction; }

const CompactionCounters& RealtimeLog::compaction(uint32_t slot) const noexcept { return logs_[slot]->compaction; }

RealtimeLog::Appender::Appender(RealtimeLog& log, uint32_t slot) : log_(log), slot_(slot), lock_(log.mutex_) {
  StreamLog& stream = *log_.logs_[slot_];
  if (stream.pending.size() >= kMaxPendingBytes) {
    log_.writer_wake_.notify_one();
    log_.progress_.wait(lock_, [&] {
      return stream.pending.size() < kMaxPendingBytes || log_.failure_ != Status::ok || log_.stopping_;
    });
  }
  start_ = stream.pending.size();
}

avro::Bytes& RealtimeLog::Appender::block() noexcept { return log_.logs_[slot_]->pending; }

void RealtimeLog::Appender::abandon() noexcept { log_.logs_[slot_]->pending.resize(start_); }

uint64_t RealtimeLog::Appender::commit(Status& status, std::string& message) noexcept {
  StreamLog& stream = *log_.logs_[slot_];
  if (log_.failure_ != Status::ok || log_.stopping_) {
    stream.pending.resize(start_);
    status = log_.failure_ != Status::ok ? log_.failure_ : Status::closed;
    message = log_.failure_ != Status::ok ? log_.failure_message_ : "the ingestor is closed";
    return 0;
  }
  if (stream.pending_count++ == 0) stream.first_pending_ns = monotonic_ns();
  stream.counters.frames.fetch_add(1, std::memory_order_relaxed);
  // The writer sleeps until the oldest record's deadline; only a threshold
  // reached earlier, or a host that will wait, needs to wake it now.
  if (stream.pending_count == 1 || stream.pending_count >= stream.config.sync_every_frames ||
      log_.durability_ == Durability::ack_after_fsync)
    log_.writer_wake_.notify_one();
  status = Status::ok;
  return ++stream.appended;
}

Status RealtimeLog::wait_durable(uint32_t slot, uint64_t ticket, std::string& message) noexcept {
  StreamLog& stream = *logs_[slot];
  std::unique_lock<std::mutex> lock(mutex_);
  stream.sync_wanted = std::max(stream.sync_wanted, ticket);
  writer_wake_.notify_one();
  progress_.wait(lock, [&] { return stream.durable >= ticket || failure_ != Status::ok; });
  if (stream.durable >= ticket) return Status::ok;
  message = failure_message_;
  return failure_;
}

void RealtimeLog::sync_all() {
  if (logs_.empty()) return;
  std::unique_lock<std::mutex> lock(mutex_);
  const std::vector<uint64_t> targets = want_all_durable();
  writer_wake_.notify_one();
  progress_.wait(lock, [&] { return failure_ != Status::ok || durable_through(targets); });
  if (failure_ != Status::ok) throw Error(failure_, failure_message_);
}

void RealtimeLog::sync_all_async(SyncDone done) {
  if (logs_.empty()) {
    done(Status::ok, std::string());
    return;
  }
  PendingSync sync;
  sync.done = std::move(done);
  std::unique_lock<std::mutex> lock(mutex_);
  sync.targets = want_all_durable();
  syncs_.push_back(std::move(sync));
  writer_wake_.notify_one();
}

std::vector<uint64_t> RealtimeLog::want_all_durable() {
  std::vector<uint64_t> targets;
  targets.reserve(logs_.size());
  for (auto& log : logs_) {
    targets.push_back(log->appended);
    log->sync_wanted = std::max(log->sync_wanted, log->appended);
  }
  return targets;
}

bool RealtimeLog::durable_through(const std::vector<uint64_t>& targets) const noexcept {
  for (std::size_t slot = 0; slot < logs_.size(); ++slot)
    if (logs_[slot]->durable < targets[slot]) return false;
  return true;
}

std::vector<std::pair<RealtimeLog::SyncDone, Status>> RealtimeLog::take_finished_syncs() {
  std::vector<std::pair<SyncDone, Status>> finished;
  for (std::size_t i = 0; i < syncs_.size();) {
    const bool durable = durable_through(syncs_[i].targets);
    if (durable || failure_ != Status::ok) {
      finished.emplace_back(std::move(syncs_[i].done), durable ? Status::ok : failure_);
      syncs_.erase(syncs_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  return finished;
}

void RealtimeLog::run_syncs(std::vector<std::pair<SyncDone, Status>>& finished, const std::string& message) noexcept {
  for (auto& [done, status] : finished) done(status, status == Status::ok ? std::string() : message);
  finished.clear();
}

void RealtimeLog::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  writer_wake_.notify_one();
  progress_.notify_all();
  if (writer_.joinable()) writer_.join();
  for (auto& log : logs_) log->fd.reset();
  std::unique_lock<std::mutex> lock(mutex_);
  // The writer served every sync it could; what is left (a writer that never
  // started, or failed) is answered now, exactly once.
  if (!syncs_.empty() && failure_ == Status::ok) fail(Status::closed, "closed before the records were written");
  auto finished = take_finished_syncs();
  const std::string message = failure_message_;
  const Status status = failure_;
  lock.unlock();
  run_syncs(finished, message);
  if (status != Status::ok && status != Status::closed) throw Error(status, message);
}

bool RealtimeLog::due(const StreamLog& log, int64_t now_ns) const noexcept {
  if (log.pending_count == 0) return false;
  return stopping_ || durability_ == Durability::ack_after_fsync || log.sync_wanted > log.durable ||
         log.pending_count >= log.config.sync_every_frames || log.pending.size() >= kMaxPendingBytes / 2 ||
         now_ns - log.first_pending_ns >= log.config.sync_every_ms * 1000000;
}

int64_t RealtimeLog::next_deadline_ns() const noexcept {
  int64_t deadline = INT64_MAX;
  for (const auto& log : logs_)
    if (log->pending_count > 0)
      deadline = std::min(deadline, log->first_pending_ns + log->config.sync_every_ms * 1000000);
  return deadline;
}

void RealtimeLog::fail(Status status, const std::string& message) noexcept {
  if (failure_ != Status::ok) return;
  failure_ = status;
  try {
    failure_message_ = "realtime log: " + message;
  } catch (...) {
  }
}

void RealtimeLog::run_writer() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    bool wrote = false;
    const int64_t now = monotonic_ns();
    for (auto& owned : logs_) {
      StreamLog& log = *owned;
      if (!due(log, now)) continue;
      // Take the block: hosts go on appending to the (emptied) pending vector
      // while it is compressed, written and fsynced.
      std::swap(log.pending, log.writing);
      log.pending.clear();
      const int64_t count = log.pending_count;
      const uint64_t last = log.appended;
      log.pending_count = 0;
      if (failure_ == Status::ok) {
        lock.unlock();
        Status status = Status::ok;
        std::string message;
        try {
          write_block(log, count);
        } catch (const Error& e) {
          status = e.status();
          message = e.what();
        } catch (const std::bad_alloc&) {
          status = Status::out_of_memory;
          message = "out of memory writing a block";
        } catch (const std::exception& e) {
          status = Status::internal;
          message = e.what();
        }
        lock.lock();
        if (status == Status::ok) log.durable = last;
        else fail(status, log.relative_path + ": " + message);
      }
      log.writing.clear();
      wrote = true;
    }
    if (wrote || !syncs_.empty()) {
      progress_.notify_all();
      auto finished = take_finished_syncs();
      if (!finished.empty()) {
        const std::string message = failure_message_;
        lock.unlock();
        run_syncs(finished, message);
        lock.lock();
      }
      if (wrote) continue;
    }
    if (stopping_) return;  // nothing was due, so nothing is pending
    const int64_t deadline = next_deadline_ns();
    if (deadline == INT64_MAX) {
      writer_wake_.wait(lock);
    } else {
      const int64_t wait_ns = std::max<int64_t>(0, deadline - monotonic_ns());
      writer_wake_.wait_for(lock, std::chrono::nanoseconds(wait_ns));
    }
  }
}

void RealtimeLog::write_block(StreamLog& log, int64_t count) {
  log.compressed.clear();
  log.codec.compress(log.writing.data(), log.writing.size(), log.compressed);
  log.block.clear();
  avro::append_block(log.block, count, log.compressed.data(), log.compressed.size(), log.sync);
  // One write per block: a reader (or a crash) sees each block whole or not at all
  // as far as the file system keeps appends in order; recovery cuts a torn one.
  storage::write_all(log.fd.get(), log.block.data(), log.block.size(), log.path);
  storage::fsync_file(log.fd.get(), log.path);
  log.counters.bytes.fetch_add(log.block.size(), std::memory_order_relaxed);
  log.counters.blocks.fetch_add(1, std::memory_order_relaxed);
  log.counters.fsyncs.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace simingest::pipeline
