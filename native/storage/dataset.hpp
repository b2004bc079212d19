// A dataset directory: its layout, its manifest, its lock and the commit
// protocol that makes a file visible to readers exactly once.
//
// Layout (docs/ON_DISK.md):
//   <dataset>/_simingest/manifest.json    committed files, replaced atomically
//   <dataset>/_simingest/lock             flock()ed while an ingestor has the dataset open
//   <dataset>/<stream>/part=<n>/part-<seq>-<writer>.parquet            committed
//   <dataset>/<stream>/part=<n>/.part-<seq>-<writer>.parquet.inprogress  being written
//
// Commit protocol for one file (commit_file):
//   1. fsync the finished in-progress file;
//   2. write manifest.json.tmp listing it, fsync, rename over manifest.json,
//      fsync _simingest/ — this is the commit point;
//   3. rename the in-progress file to its final name, fsync its directory.
// Recovery on open: an entry whose final file is missing but whose
// in-progress file exists with the listed size is renamed into place (step 3
// redone); every other in-progress file is an uncommitted leftover and is
// deleted. Readers therefore only ever see committed, complete files.
//
// Not thread-safe: the engine's single commit thread owns the Dataset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parquet/file_writer.hpp"
#include "storage/durable_io.hpp"
#include "storage/manifest.hpp"  // ColumnBytes, ManifestFile
#include "storage/recovery_report.hpp"

namespace simingest::storage {

// A file being written. Bytes are buffered (4 MiB, allocated once per file)
// and written in large sequential writes. After write() throws, the file is
// unusable and must be dropped. Destroying an uncommitted PendingFile removes
// it from disk.
class PendingFile : public parquet::ByteSink {
 public:
  ~PendingFile() override;
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  void write(const void* data, std::size_t size) override;  // throws Error(io)
  uint64_t size() const noexcept { return size_; }
  const std::string& stream() const noexcept { return stream_; }
  int64_t partition() const noexcept { return partition_; }

 private:
  friend class Dataset;
  static constexpr std::size_t kBufferBytes = 4u << 20;
  PendingFile() = default;
  void flush_buffer();
  int fd_ = -1;
  std::string stream_;
  int64_t partition_ = 0;
  std::string relative_path_;     // final name, relative to the dataset
  std::string inprogress_path_;   // absolute
  std::string final_path_;        // absolute
  std::string directory_;         // absolute
  uint64_t size_ = 0;
  std::vector<unsigned char> buffer_;
  bool committed_ = false;
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
};

class Dataset {
 public:
  // Opens or creates the dataset directory (parents included), takes its lock
  // (Error(dataset_locked) if another ingestor holds it), loads the manifest
  // and recovers as described above. Throws Error(io) naming the path.
  // What recovery, verification and resumeFromStep did is in recovery().
  static std::unique_ptr<Dataset> open(const std::string& path, const OpenOptions& options = {});
  ~Dataset();  // releases the lock
  Dataset(const Dataset&) = delete;
  Dataset& operator=(const Dataset&) = delete;

  // Records the schema of a stream (the canonical text of
  // stream_schema_json). A stream already in the manifest with a different
  // schema throws Error(schema_conflict) naming the stream. Persisted with
  // the next manifest write (and at once if the stream is new).
  void register_stream(const std::string& stream, const std::string& schema_json);

  // Starts a new hidden file in <stream>/part=<partition>/ (created if needed).
  std::unique_ptr<PendingFile> begin_file(const std::string& stream, int64_t partition);

  // Commits a finished file with the protocol above. `entry` describes it;
  // its stream, partition, path, bytes and committed_at are filled here.
  CommitTimings commit_file(std::unique_ptr<PendingFile> file, ManifestFile entry);

  const std::string& root() const noexcept { return root_; }
  const std::vector<ManifestFile>& files() const noexcept { return files_; }
  const RecoveryReport& recovery() const noexcept { return report_; }

 private:
  Dataset() = default;
  void recover();
  void write_manifest(IoTimings& timings);
  std::string root_;
  int lock_fd_ = -1;
  std::string writer_id_;  // random hex, distinguishes this session's files
  uint64_t next_file_seq_ = 1;
  std::vector<std::pair<std::string, std::string>> streams_;  // name, schema json
  std::vector<ManifestFile> files_;
  RecoveryReport report_;
};

}  // namespace simingest::storage
