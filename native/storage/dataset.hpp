// A dataset directory: its layout, its manifest, its lock and the commit
// protocol that makes a file visible to readers exactly once.
//
// Layout (docs/ON_DISK.md):
//   <dataset>/_simingest/manifest.json    committed files, replaced atomically
//   <dataset>/_simingest/manifest.bak.json its second copy (storage/manifest_store.hpp)
//   <dataset>/_simingest/quarantine/       files that failed verification (storage/verify.hpp)
//   <dataset>/_simingest/lock             flock()ed while an ingestor has the dataset open
//   <dataset>/<stream>/part=<n>/part-<seq>-<writer>.parquet            committed
//   <dataset>/<stream>/part=<n>/.part-<seq>-<writer>.parquet.inprogress  being written
//   <dataset>/<stream>/part=<n>/.part-<seq>-<writer>.parquet.inprogress.journal  its row groups
//
// Commit protocol for one file (commit_file):
//   1. fsync the finished in-progress file; read its footer back for the
//      checksums the manifest records (storage/verify.hpp);
//   2. rename the in-progress file to its final name, fsync its directory:
//      the file is complete and visible before any manifest lists it;
//   3. replace manifest.bak.json, then manifest.json, each listing it (write
//      .tmp, fsync, rename, fsync _simingest/) — the rename of manifest.json
//      is the commit point; then remove its journal.
// So every file a manifest lists exists under its final name (the reader
// rule of docs/ON_DISK.md). Before steps 2 and 3 (and before a file is
// begun) the dataset's identity is checked (storage/dataset_identity.hpp):
// a dataset removed or replaced at its path throws Error(dataset_lost).
// Recovery on open: a file under its final name that no entry lists (a crash
// between steps 2 and 3) is adopted into the manifest if its journal proves
// every row group (recovery().salvaged, nothing discarded), else deleted
// (recovery().removed). An entry whose final file is missing but whose
// in-progress file exists with the listed size (a dataset written by the
// older manifest-first order) is renamed into place, an entry with neither
// is dropped (recovery().missing). Every other
// in-progress file is uncommitted: the row groups its journal proves
// complete are kept — cut there, given a footer, committed as above
// (recovery().salvaged) — else it is deleted (recovery().removed). Readers
// therefore only ever see committed, complete files. Then every listed file
// is verified against its checksums; one that fails is quarantined and the
// open fails once with Error(corrupt) (recovery().quarantined).
//
// Every call that changes the disk goes through storage/file_ops.hpp, the
// seam the crash-point sweep injects faults into.
//
// Not thread-safe: the engine's single commit thread owns the Dataset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/schema_evolution.hpp"
#include "parquet/file_writer.hpp"
#include "storage/dataset_identity.hpp"
#include "storage/durable_io.hpp"
#include "storage/durable_steps.hpp"
#include "storage/file_appender.hpp"
#include "storage/journal.hpp"
#include "storage/manifest.hpp"  // ColumnBytes, ManifestFile
#include "storage/manifest_store.hpp"
#include "storage/recovery_report.hpp"
#include "storage/shared_dataset.hpp"

namespace simingest::storage {

// Now, UTC, formatted by strftime `format` (at most 31 characters out).
std::string utc_now_text(const char* format);
// "2026-12-06T10:30:00Z": the committedAt of a manifest entry.
inline std::string utc_now_iso8601() { return utc_now_text("%Y-%m-%dT%H:%M:%SZ"); }

// A file being written. Bytes are staged (4 MiB, allocated once per file)
// and written in large sequential writes through the process's commit I/O
// path (storage/file_appender.hpp: buffered, or O_DIRECT opt-in). After write() throws, the file is
// unusable and must be dropped. Destroying an uncommitted PendingFile removes
// it (and its journal) from disk.
//
// A file begun with begin_journaled_file() has a row-group journal
// (storage/journal.hpp): after each row group, journal_row_group() hands the
// buffered bytes to the kernel and appends the row group's record, so a crash
// keeps the row groups written so far (recovery salvages them).
class PendingFile : public parquet::ByteSink {
 public:
  ~PendingFile() override;
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  void write(const void* data, std::size_t size) override;  // throws Error(io)
  uint64_t size() const noexcept { return size_; }
  // CRC-32C of every byte written so far (kernels/crc32c.hpp).
  uint32_t crc32c() const noexcept { return crc32c_; }
  const std::string& stream() const noexcept { return stream_; }
  int64_t partition() const noexcept { return partition_; }
  // Its final name, relative to the dataset.
  const std::string& relative_path() const noexcept { return relative_path_; }

  // A new read-only descriptor of the file (O_CLOEXEC), for a query that
  // reads the row groups already handed to the kernel: it stays valid when
  // the file is renamed at its commit or removed. Throws Error(io).
  int open_for_reading() const;

  // Journaled files only: records the row group whose bytes were written
  // last. Fills in record.index, end_offset and data_crc. Throws Error(io).
  void journal_row_group(JournalRecord& record);

 private:
  friend class Dataset;
  friend class Retirement;  // a file it cuts keeps the schema version of the one it replaces
  PendingFile() = default;
  void flush_buffer();
  int fd_ = -1;
  int journal_fd_ = -1;           // -1: not journaled
  std::string journal_path_;      // absolute; empty: not journaled
  uint32_t journaled_row_groups_ = 0;
  std::vector<uint8_t> journal_buffer_;  // one encoded record, reused
  // False for a file recovery salvages: if committing it fails, the next
  // open verifies and salvages it again, so it must stay.
  bool remove_if_uncommitted_ = true;
  uint32_t crc32c_ = 0;
  std::string stream_;
  int64_t partition_ = 0;
  std::string relative_path_;     // final name, relative to the dataset
  std::string inprogress_path_;   // absolute
  std::string final_path_;        // absolute
  std::string directory_;         // absolute
  uint64_t size_ = 0;
  std::unique_ptr<FileAppender> appender_;  // writes to fd_; set once fd_ is open
  bool committed_ = false;
  // The schema version its entry records; 0: the stream's newest (every file
  // the pipeline writes).
  int64_t schema_version_ = 0;
};

struct CommitTimings {
  int64_t fsync_ns = 0;  // all fsyncs of the commit (file, manifest, directories)
  int64_t write_ns = 0;  // writing the buffered tail and the manifest
};

// How a dataset is opened (docs/RELIABILITY.md).
struct OpenOptions {
  // Retire frames with a step after this one (resumeFromStep).
  std::optional<int64_t> resume_from_step;
  // Full: verify every committed file's whole-file CRC-32C, not only its footer.
  bool verify_full = false;
  // Test-only: false skips recovery (no salvage, no cleanup, no rename of
  // committed files still under their hidden name) — the crash sweep's
  // negative control, which must then see violations.
  bool recover = true;
  // Set: open the path as this writer of a shared dataset
  // (storage/shared_dataset.hpp); the Dataset is then the writer's part,
  // rooted at <path>/writer=<id>. Unset: a single-writer dataset, which a
  // shared one at the path refuses with Error(config).
  std::optional<SharedWriter> writer;
};

class Dataset {
 public:
  // Opens or creates the dataset directory (parents included), takes its lock
  // (Error(dataset_locked) if another ingestor holds it), loads the manifest
  // and recovers as described above. Throws Error(io) naming the path.
  // What recovery, verification and resumeFromStep did is in recovery().
  // A committed file or manifest copy that fails verification is moved to
  // _simingest/quarantine/ and dropped from the manifest, and the open then
  // throws Error(corrupt) naming each one; opening again succeeds.
  static std::unique_ptr<Dataset> open(const std::string& path, const OpenOptions& options = {});
  ~Dataset();  // releases the lock
  Dataset(const Dataset&) = delete;
  Dataset& operator=(const Dataset&) = delete;

  // Records the schema of a stream (the canonical text of
  // stream_schema_json). A stream already in the manifest with a different
  // schema throws Error(schema_conflict) naming the stream, unless
  // `evolution` is additive and the change passes check_schema_evolution
  // (core/schema_evolution.hpp): it is then the stream's next schema version
  // (storage/schema_history.hpp). Persisted with the next manifest write
  // (and at once if the stream is new or evolved).
  void register_stream(const std::string& stream, const std::string& schema_json,
                       SchemaEvolution evolution = SchemaEvolution::strict);
  // The same for many streams (name, schema json) at once: the new and
  // evolved ones are persisted with one manifest write, however many there
  // are. A conflict, or more new streams than the dataset has room for
  // (kMaxStreams in all: Error(config)), registers none of them.
  void register_streams(const std::vector<std::pair<std::string, std::string>>& streams,
                        SchemaEvolution evolution = SchemaEvolution::strict);
  // The stream's newest schema version (1 for a stream that never evolved):
  // the version files committed from now on are written with.
  int64_t schema_version(const std::string& stream) const { return newest_schema_version(schema_histories_, stream); }
  // The versions of the streams that evolved, oldest first.
  const SchemaHistories& schema_histories() const noexcept { return schema_histories_; }

  // Starts a new hidden file in <stream>/part=<partition>/ (created if needed).
  std::unique_ptr<PendingFile> begin_file(const std::string& stream, int64_t partition);
  // The same with a row-group journal whose header holds what the file's
  // footer needs (the FileWriter's schema and key-value metadata).
  std::unique_ptr<PendingFile> begin_journaled_file(const std::string& stream, int64_t partition,
                                                    const parquet::FileSchema& schema,
                                                    const std::vector<parquet::KeyValue>& key_values);

  // Commits a finished file with the protocol above. `entry` describes it;
  // its stream, partition, path, bytes and committed_at are filled here.
  CommitTimings commit_file(std::unique_ptr<PendingFile> file, ManifestFile entry);
  // The same for a file compacted from `stream`'s realtime log: the manifest
  // write that lists it also moves the stream's compaction mark to `mark`
  // (the log records before it are in committed files), in one atomic step.
  // On failure the mark stays where it was.
  CommitTimings commit_compacted_file(std::unique_ptr<PendingFile> file, ManifestFile entry,
                                      const std::string& stream, LogMark mark);
  // Moves the mark without a file (log records of zero rows only). Throws Error.
  void mark_compacted(const std::string& stream, LogMark mark);
  // The stream's compaction mark ({0, 0}: nothing compacted yet).
  LogMark compacted_mark(const std::string& stream) const;
  // Whether the manifest has a mark for the stream: readers merge the log
  // past it with the stream's files (query/dataset_reader.hpp).
  bool has_compacted_mark(const std::string& stream) const { return realtime_compacted_.count(stream) != 0; }

  const std::string& root() const noexcept { return root_; }
  const std::vector<ManifestFile>& files() const noexcept { return files_; }
  const RecoveryReport& recovery() const noexcept { return report_; }
  // Each stream's last committed step, kept up to date by every manifest
  // write; readable from any thread, and after the Dataset is gone.
  std::shared_ptr<const DurableSteps> durable_steps() const noexcept { return durable_steps_; }

 private:
  friend class Retirement;  // storage/resume.cpp: resumeFromStep retires files
  Dataset() = default;
  void recover();
  // An in-progress file no manifest entry claims (`name` in `relative_dir`):
  // committed with the row groups its journal proves complete, else deleted.
  void salvage_or_remove(const std::string& relative_dir, const std::string& name);
  // A file under its committed name (`name` in `relative_dir`) that no entry
  // lists: adopted if its journal proves all of it, else deleted
  // (storage/dataset_adoption.cpp).
  void adopt_or_remove(const std::string& relative_dir, const std::string& name);
  std::unique_ptr<PendingFile> begin_file(const std::string& stream, int64_t partition, JournalHeader* journal);
  // Verification (storage/verify.hpp): moves damaged manifest copies and
  // committed files that fail their check to the quarantine and records them.
  void quarantine_manifest_copies(const std::vector<BadManifestCopy>& bad, bool rewrite);
  void quarantine_corrupt_files(bool verify_full);
  void record_quarantined(std::vector<QuarantinedFile> found);
  void write_manifest(IoTimings& timings);
  // Runs one step of the commit protocol that names paths in the dataset
  // (begin a file, read it back, rename it into place, replace the manifest)
  // once the dataset at root_ is checked to be still the one locked: every
  // such step goes through here, so a new one cannot forget the check.
  // Throws Error(dataset_lost) without running `step`.
  template <class Step>
  decltype(auto) commit_step(Step&& step) {
    identity_.check(root_);
    return std::forward<Step>(step)();
  }
  std::string root_;
  int lock_fd_ = -1;
  DatasetIdentity identity_;  // checked before every step that makes something visible
  std::string writer_id_;  // random hex, distinguishes this session's files
  uint64_t next_file_seq_ = 1;
  std::vector<std::pair<std::string, std::string>> streams_;  // name, schema json (the newest version)
  SchemaHistories schema_histories_;                           // streams with more than one version
  std::vector<ManifestFile> files_;
  std::vector<QuarantinedFile> quarantined_;  // every quarantine so far, kept in the manifest
  std::map<std::string, LogMark> realtime_compacted_;  // per stream: the log compacted before it
  RecoveryReport report_;
  std::shared_ptr<DurableSteps> durable_steps_ = std::make_shared<DurableSteps>();
};

}  // namespace simingest::storage
