// The commit thread: the only code that touches the dataset. It takes encoded
// row groups in any order, writes each stream's in `seq` order into that
// stream's open file, and commits the file (storage::Dataset::commit_file)
// when its partition ends, a flush asks, or it reaches fileBytes. Frames count
// as committed only then: committed means durable and visible to readers.
// Each row group written is also recorded in the file's journal, so that a
// crash before the commit loses only row groups not yet recorded (recovery
// salvages the rest, storage/journal.hpp).
#include <chrono>
#include <thread>

#include "core/names.hpp"
#include "pipeline/engine_impl.hpp"

namespace simingest {

using pipeline::OpenFile;
using pipeline::RowGroup;
using pipeline::StreamState;

void Engine::Impl::submit_for_commit(RowGroup* group) {
  std::lock_guard<std::mutex> lock(commit_mutex);
  commit_queue.push_back(group);
  commit_ready.notify_one();
}

namespace {

struct StreamCommitState {
  uint64_t next_seq = 0;
  std::map<uint64_t, RowGroup*> waiting;
  OpenFile open;
};

}  // namespace

void Engine::Impl::run_commit() {
  std::vector<StreamCommitState> states(streams.size());

  auto commit_open_file = [&](StreamState& stream, StreamCommitState& state) {
    OpenFile& open = state.open;
    if (!open.file) return;
    const int64_t write_started = monotonic_ns();
    open.writer->finish();
    stage_write.record(monotonic_ns() - write_started);
    open.entry.rows = open.writer->rows_written();
    open.entry.row_groups = static_cast<int64_t>(open.writer->row_groups_written());
    open.entry.frames = static_cast<int64_t>(open.frames);
    open.writer.reset();
    const auto timings = dataset->commit_file(std::move(open.file), open.entry);
    stage_fsync.record(timings.fsync_ns);
    const storage::ManifestFile& committed = dataset->files().back();
    stream.counters.rows_committed.fetch_add(static_cast<uint64_t>(committed.rows), std::memory_order_relaxed);
    stream.counters.bytes_written.fetch_add(committed.bytes, std::memory_order_relaxed);
    stream.counters.files_committed.fetch_add(1, std::memory_order_relaxed);
    stream.counters.frames_committed.fetch_add(open.frames, std::memory_order_release);
    open = OpenFile{};
  };

  auto abandon_open_file = [&](StreamState& stream, StreamCommitState& state) {
    // Its frames will never be committed: count them as dropped, so that
    // accepted = committed + dropped + in flight still holds.
    stream.counters.frames_dropped.fetch_add(state.open.frames, std::memory_order_release);
    state.open = OpenFile{};  // the PendingFile's destructor removes the file
  };

  // Frames of zero rows written since the last record ride on the next one.
  auto journal_row_group = [&](OpenFile& open, const RowGroup& group) {
    storage::JournalRecord& record = open.record;
    record.rows = static_cast<int64_t>(group.rows);
    record.frames = static_cast<int64_t>(open.frames - open.frames_journaled);
    record.step_min = group.step_min;
    record.step_max = group.step_max;
    record.time_min = group.time_min;
    record.time_max = group.time_max;
    record.column_bytes.resize(group.chunks.size());
    for (std::size_t c = 0; c < group.chunks.size(); ++c)
      record.column_bytes[c] = {group.chunks[c].total_uncompressed_size, group.chunks[c].total_compressed_size()};
    record.row_group_metadata = open.writer->last_row_group_metadata();
    open.file->journal_row_group(record);
    open.frames_journaled = open.frames;
  };

  auto write_row_group = [&](StreamState& stream, StreamCommitState& state, RowGroup& group, bool& accounted) {
    OpenFile& open = state.open;
    if (group.rows > 0) {
      if (open.file && open.entry.partition != group.partition) commit_open_file(stream, state);
      open.frames += group.frame_count;
      accounted = true;
      if (!open.file) {
        open.file = dataset->begin_journaled_file(stream.config.name, group.partition, stream.file_schema,
                                                  stream.file_metadata);
        open.writer = std::make_unique<parquet::FileWriter>(*open.file, stream.file_schema, stream.file_metadata);
        open.entry = storage::ManifestFile{};
        open.entry.partition = group.partition;
        open.entry.step_min = group.step_min;
        open.entry.step_max = group.step_max;
        open.entry.time_min = group.time_min;
        open.entry.time_max = group.time_max;
        for (const auto& column : stream.file_schema.columns)
          open.entry.columns.push_back(storage::ColumnBytes{column.name, 0, 0});
      }
      if (options.commit_delay_ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(options.commit_delay_ms));
      const int64_t started = monotonic_ns();
      open.writer->append_row_group(static_cast<int64_t>(group.rows), group.chunks.data(), group.chunks.size());
      journal_row_group(open, group);
      stage_write.record(monotonic_ns() - started);
      open.entry.step_min = std::min(open.entry.step_min, group.step_min);
      open.entry.step_max = std::max(open.entry.step_max, group.step_max);
      open.entry.time_min = std::min(open.entry.time_min, group.time_min);
      open.entry.time_max = std::max(open.entry.time_max, group.time_max);
      for (std::size_t c = 0; c < group.chunks.size(); ++c) {
        open.entry.columns[c].uncompressed_bytes += group.chunks[c].total_uncompressed_size;
        open.entry.columns[c].compressed_bytes += group.chunks[c].total_compressed_size();
      }
    } else if (group.frame_count > 0) {
      // Frames of zero rows: nothing to write; committed with the file they belong to.
      if (open.file) {
        open.frames += group.frame_count;
      } else {
        stream.counters.frames_committed.fetch_add(group.frame_count, std::memory_order_release);
      }
      accounted = true;
    }
    if (group.close_file || (open.file && open.file->size() >= config.file_bytes)) commit_open_file(stream, state);
  };

  auto handle = [&](RowGroup* group) {
    StreamState& stream = *streams[group->stream];
    StreamCommitState& state = states[group->stream];
    bool accounted = false;
    if (!failure.failed()) {
      try {
        write_row_group(stream, state, *group, accounted);
      } catch (const Error& e) {
        failure.record(e.status(), "stream " + quote_name(stream.config.name) + ": " + e.what());
      } catch (const std::bad_alloc&) {
        failure.record(Status::out_of_memory, "out of memory while writing");
      } catch (const std::exception& e) {
        failure.record(Status::internal, std::string("internal error while writing: ") + e.what());
      }
    }
    if (failure.failed()) {
      if (state.open.file || state.open.frames) abandon_open_file(stream, state);
      // This row group's frames, if not yet counted with the file, are lost too.
      if (!accounted) stream.counters.frames_dropped.fetch_add(group->frame_count, std::memory_order_release);
    }
    row_groups_in_flight.fetch_sub(1, std::memory_order_acq_rel);
    budget.release(group->encode_reserve);
    // A host still waiting now, with nothing sealed left to free memory,
    // waits on unsealed row groups: cut them.
    if (budget.has_waiters()) relieve_memory_pressure();
    std::string message;
    const Status status = failure.failed() ? failure.get(message) : Status::ok;
    for (auto* ticket : group->tickets) ticket->count_down(status, message);
    delete group;
  };

  std::unique_lock<std::mutex> lock(commit_mutex);
  for (;;) {
    commit_ready.wait(lock, [this] { return !commit_queue.empty() || commit_stop; });
    if (commit_queue.empty() && commit_stop) break;
    RowGroup* group = commit_queue.front();
    commit_queue.pop_front();
    lock.unlock();
    StreamCommitState& state = states[group->stream];
    state.waiting.emplace(group->seq, group);
    for (auto it = state.waiting.begin(); it != state.waiting.end() && it->first == state.next_seq;
         it = state.waiting.begin()) {
      RowGroup* ready = it->second;
      state.waiting.erase(it);
      ++state.next_seq;
      handle(ready);
    }
    lock.lock();
  }
  lock.unlock();
  // Closing: anything still open is committed (close() flushed first, so this
  // only matters after a failure, when it is abandoned).
  for (std::size_t s = 0; s < states.size(); ++s) {
    if (!states[s].open.file) continue;
    try {
      if (!failure.failed()) commit_open_file(*streams[s], states[s]);
    } catch (const Error& e) {
      failure.record(e.status(), e.what());
    }
    if (states[s].open.file) abandon_open_file(*streams[s], states[s]);
  }
}

}  // namespace simingest
