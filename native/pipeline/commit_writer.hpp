// The commit thread: the only code that touches the dataset. It takes encoded
// row groups in any order, writes each stream's in `seq` order into that
// stream's open file, and commits the file (storage::Dataset::commit_file)
// when its partition ends, a flush asks, or it reaches fileBytes.
//
// Invariant: every row group submitted before stop() is handled exactly once,
// by the one commit thread, each stream's in row-group order; its frames are
// counted committed (once their file is) or dropped (after a failure), and
// its encode reservation is released. After stop() no file is left open.
// A query marker (an empty row group carrying a QueryTicket) is answered in
// its turn, after the row groups sealed before it are written.
// Lock: `mutex_` guards `queue_` and `stop_`. The per-stream order and the
// open files (`states_`) belong to the commit thread alone.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "parquet/file_writer.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/row_group.hpp"
#include "storage/dataset.hpp"

namespace simingest::pipeline {

struct StreamState;

// The time index entry (manifest rowGroupIndex) of `group`, just written at
// `first_row` of its file; also used by log compaction (log_compaction.hpp).
// `declared`: the stream's declared columns, whose statistics the manifest
// keeps (a block's `cell` column after them has none there).
storage::RowGroupIndex index_row_group(const RowGroup& group, const parquet::FileSchema& schema, std::size_t declared,
                                       int64_t first_row);

// The commit thread's view of a stream: its open file.
struct OpenFile {
  std::unique_ptr<storage::PendingFile> file;
  std::unique_ptr<parquet::FileWriter> writer;
  storage::ManifestFile entry;
  uint64_t frames = 0;
  uint64_t frames_journaled = 0;  // frames counted in the journal's records
  storage::JournalRecord record;  // reused for each row group's journal record
  // The RowGroup structs of the row groups written so far, for queries that
  // read the file before it is committed (query_ticket.hpp).
  std::vector<std::vector<uint8_t>> row_group_metadata;
};

class CommitWriter {
 public:
  // `engine`: its dataset, streams, budget, failure and stage timings.
  explicit CommitWriter(Engine::Impl& engine) : engine_(engine) {}
  CommitWriter(const CommitWriter&) = delete;
  CommitWriter& operator=(const CommitWriter&) = delete;

  // Starts the thread; throws Error(resource_limit) if the system refuses.
  void start();
  bool running() const noexcept { return thread_.joinable(); }
  // Any thread: hands a sealed, encoded row group (or a marker) over.
  void submit(RowGroup* group);
  // Handles what was submitted, commits (or, after a failure, abandons) the
  // open files and joins the thread. Call after the workers have stopped.
  void stop();

 private:
  struct StreamCommitState {
    uint64_t next_seq = 0;
    std::map<uint64_t, RowGroup*> waiting;
    OpenFile open;
  };

  void run();
  void handle(RowGroup* group);
  void write_row_group(StreamState& stream, StreamCommitState& state, RowGroup& group, bool& accounted);
  void commit_open_file(StreamState& stream, StreamCommitState& state);
  void abandon_open_file(StreamState& stream, StreamCommitState& state);
  // A query marker's turn: the stream's committed files and the written part
  // of its open file go into the ticket, which is then complete.
  void snapshot_files(const StreamState& stream, const StreamCommitState& state, QueryTicket& ticket);
  void close_open_files();

  Engine::Impl& engine_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<RowGroup*> queue_;
  bool stop_ = false;
  std::thread thread_;
  std::vector<StreamCommitState> states_;  // commit thread only
};

}  // namespace simingest::pipeline
