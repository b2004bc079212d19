// The commit thread (commit_writer.hpp). Frames count as committed only
// when their file is: committed means durable and visible to readers. Each
// row group written is also recorded in the file's journal, so that a crash
// before the commit loses only row groups not yet recorded (recovery
// salvages the rest, storage/journal.hpp).
#include "pipeline/commit_writer.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include <unistd.h>

#include "core/names.hpp"
#include "pipeline/engine_impl.hpp"
#include "pipeline/thread_start.hpp"
#include "query/dataset_reader.hpp"
#include "storage/index_statistics.hpp"

namespace simingest::pipeline {

namespace {

// Frames of zero rows written since the last record ride on the next one.
void journal_row_group(OpenFile& open, const RowGroup& group) {
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
}

}  // namespace

// The time index entry of a row group just written at `first_row` of its file.
storage::RowGroupIndex index_row_group(const RowGroup& group, const parquet::FileSchema& schema, std::size_t declared,
                                       int64_t first_row) {
  storage::RowGroupIndex index;
  index.first_row = first_row;
  index.rows = static_cast<int64_t>(group.rows);
  index.frames = static_cast<int64_t>(group.frame_count);
  for (const auto& chunk : group.chunks) index.bytes += chunk.total_compressed_size();
  index.step_min = group.step_min;
  index.step_max = group.step_max;
  index.time_min = group.time_min;
  index.time_max = group.time_max;
  // The chunks carry the statistics the encoder was given (chunk_encoding.cpp):
  // step and time first, then the declared columns.
  for (std::size_t c = 2; c < 2 + declared; ++c)
    index.columns.push_back(storage::column_index_stats(schema.columns[c].dtype, group.chunks[c].stats));
  if (storage::records_frames(index.rows, index.frames)) {
    int64_t row = first_row;
    index.frame_entries.reserve(group.frame_spans.size());
    for (const FrameSpan& span : group.frame_spans) {
      index.frame_entries.push_back(storage::FrameIndexEntry{span.step, span.time, row, static_cast<int64_t>(span.rows)});
      row += static_cast<int64_t>(span.rows);
    }
  }
  return index;
}

void CommitWriter::start() {
  states_.resize(engine_.streams.size());
  thread_ = start_thread("the commit thread", "si-commit", [this] { run(); });
}

void CommitWriter::submit(RowGroup* group) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(group);
  ready_.notify_one();
}

void CommitWriter::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    ready_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void CommitWriter::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ready_.wait(lock, [this] { return !queue_.empty() || stop_; });
    if (queue_.empty() && stop_) break;
    RowGroup* group = queue_.front();
    queue_.pop_front();
    lock.unlock();
    StreamCommitState& state = states_[group->stream];
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
  close_open_files();
}

// Closing: anything still open is committed (close() flushed first, so this
// only matters after a failure, when it is abandoned).
void CommitWriter::close_open_files() {
  for (std::size_t s = 0; s < states_.size(); ++s) {
    if (!states_[s].open.file) continue;
    StreamState& stream = *engine_.streams[s];
    try {
      if (!engine_.failure.failed()) commit_open_file(stream, states_[s]);
    } catch (const Error& e) {
      engine_.failure.record(e.status(), e.what());
    }
    if (states_[s].open.file) abandon_open_file(stream, states_[s]);
  }
}

void CommitWriter::handle(RowGroup* group) {
  StreamState& stream = *engine_.streams[group->stream];
  StreamCommitState& state = states_[group->stream];
  StickyFailure& failure = engine_.failure;
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
  engine_.admission.row_group_done();
  engine_.budget.release(group->encode_reserve);
  // A host still waiting now, with nothing sealed left to free memory,
  // waits on unsealed row groups: cut them.
  if (engine_.budget.has_waiters()) engine_.admission.relieve_memory_pressure();
  std::string message;
  const Status status = failure.failed() ? failure.get(message) : Status::ok;
  for (auto* ticket : group->tickets) ticket->count_down(status, message);
  if (group->query != nullptr) {
    if (status != Status::ok) {
      group->query->complete(status, message);
    } else {
      try {
        snapshot_files(stream, state, *group->query);
      } catch (const Error& e) {
        group->query->complete(e.status(), e.what());
      } catch (const std::bad_alloc&) {
        group->query->complete(Status::out_of_memory, "out of memory taking a query's snapshot");
      }
    }
  }
  delete group;
}

void CommitWriter::write_row_group(StreamState& stream, StreamCommitState& state, RowGroup& group, bool& accounted) {
  OpenFile& open = state.open;
  if (group.rows > 0) {
    if (open.file && open.entry.partition != group.partition) commit_open_file(stream, state);
    open.frames += group.frame_count;
    accounted = true;
    if (!open.file) {
      open.file = engine_.dataset->begin_journaled_file(stream.config.name, group.partition, stream.file_schema,
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
    if (engine_.options.commit_delay_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(engine_.options.commit_delay_ms));
    const int64_t started = monotonic_ns();
    const int64_t first_row = open.writer->rows_written();
    open.writer->append_row_group(static_cast<int64_t>(group.rows), group.chunks.data(), group.chunks.size());
    journal_row_group(open, group);
    open.row_group_metadata.push_back(open.writer->last_row_group_metadata());
    engine_.stage_write.record(monotonic_ns() - started);
    open.entry.row_group_index.push_back(index_row_group(group, stream.file_schema, stream.config.columns.size(), first_row));
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
  if (group.close_file || (open.file && open.file->size() >= engine_.config.file_bytes))
    commit_open_file(stream, state);
}

void CommitWriter::commit_open_file(StreamState& stream, StreamCommitState& state) {
  OpenFile& open = state.open;
  if (!open.file) return;
  const int64_t write_started = monotonic_ns();
  open.writer->finish();
  engine_.stage_write.record(monotonic_ns() - write_started);
  open.entry.rows = open.writer->rows_written();
  open.entry.row_groups = static_cast<int64_t>(open.writer->row_groups_written());
  open.entry.frames = static_cast<int64_t>(open.frames);
  open.writer.reset();
  const auto timings = engine_.dataset->commit_file(std::move(open.file), open.entry);
  engine_.stage_fsync.record(timings.fsync_ns);
  const storage::ManifestFile& committed = engine_.dataset->files().back();
  stream.counters.rows_committed.fetch_add(static_cast<uint64_t>(committed.rows), std::memory_order_relaxed);
  stream.counters.bytes_written.fetch_add(committed.bytes, std::memory_order_relaxed);
  stream.counters.files_committed.fetch_add(1, std::memory_order_relaxed);
  stream.counters.frames_committed.fetch_add(open.frames, std::memory_order_release);
  open = OpenFile{};
  stream.index_statistics.publish(storage::stream_index_statistics(engine_.dataset->files(), stream.config.name,
                                                                 engine_.dataset->schema_version(stream.config.name)));
}

void CommitWriter::snapshot_files(const StreamState& stream, const StreamCommitState& state, QueryTicket& ticket) {
  const storage::Dataset& dataset = *engine_.dataset;
  const int64_t newest = dataset.schema_version(stream.config.name);
  // A file of an older schema version: its columns, one list per version.
  std::map<int64_t, std::shared_ptr<const std::vector<query::FileColumn>>> older;
  for (const storage::ManifestFile& file : dataset.files()) {
    if (file.stream != stream.config.name) continue;
    query::FilePart part;
    if (file.schema_version != newest) {
      auto columns = older.find(file.schema_version);
      if (columns == older.end()) {
        const std::string* schema = storage::schema_of_version(dataset.schema_histories(), stream.config.name, "",
                                                               file.schema_version);
        columns = older.emplace(file.schema_version, std::make_shared<const std::vector<query::FileColumn>>(
                                                         schema ? query::columns_of_schema(*schema)
                                                                : std::vector<query::FileColumn>{})).first;
      }
      part.columns = columns->second;
    }
    part.path = dataset.root() + "/" + file.path;
    part.step_min = file.step_min;
    part.step_max = file.step_max;
    part.time_min = file.time_min;
    part.time_max = file.time_max;
    part.index = file.row_group_index;
    ticket.files.push_back(std::move(part));
  }
  const OpenFile& open = state.open;
  if (open.file && !open.row_group_metadata.empty()) {
    query::FilePart part;
    part.path = open.file->relative_path() + " (being written)";
    auto fd = std::make_unique<int>(open.file->open_for_reading());
    // If the control block cannot be allocated, shared_ptr calls the deleter.
    part.fd = std::shared_ptr<const int>(fd.release(), [](const int* p) {
      ::close(*p);
      delete p;
    });
    part.row_groups = open.row_group_metadata;
    part.index = open.entry.row_group_index;
    part.step_min = open.entry.step_min;
    part.step_max = open.entry.step_max;
    part.time_min = open.entry.time_min;
    part.time_max = open.entry.time_max;
    ticket.files.push_back(std::move(part));
  }
  ticket.complete();
}

void CommitWriter::abandon_open_file(StreamState& stream, StreamCommitState& state) {
  // Its frames will never be committed: count them as dropped, so that
  // accepted = committed + dropped + in flight still holds.
  stream.counters.frames_dropped.fetch_add(state.open.frames, std::memory_order_release);
  state.open = OpenFile{};  // the PendingFile's destructor removes the file
}

}  // namespace simingest::pipeline
