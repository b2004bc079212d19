#include "storage/dataset.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <random>
#include <system_error>
#include <utility>

#include "core/status.hpp"
#include "storage/file_ops.hpp"
#include "storage/layout.hpp"
#include "storage/resume.hpp"
#include "storage/verify.hpp"

namespace simingest::storage {

namespace {

constexpr const char* kMetaDirectory = "_simingest";

std::string meta_directory(const std::string& root) { return root + "/" + kMetaDirectory; }

std::string random_writer_id() {
  std::random_device device;
  uint32_t value = static_cast<uint32_t>(device());
  char text[9];
  std::snprintf(text, sizeof text, "%08" PRIx32, value);
  return text;
}

std::string absolute_root(const std::string& path) {
  if (path.empty()) throw Error(Status::io, "dataset path is empty");
  std::error_code ec;
  std::string root = std::filesystem::absolute(path, ec).string();
  if (ec) throw io_error("resolve " + path, ec.value());
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root;
}

// The dataset directory, created if needed (through links: the dataset path
// itself may be one) and resolved once, so that nothing inside it is reached
// through a link (storage/layout.hpp).
std::string resolved_root(const std::string& path) {
  const std::string root = absolute_root(path);
  make_directories(root);
  std::error_code ec;
  std::string resolved = std::filesystem::canonical(root, ec).string();
  if (ec) throw io_error("resolve " + root, ec.value());
  return resolved;
}

// Opens (creating it if needed) the lock file, never through a link.
int open_lock_file(const std::string& path) {
  int fd = file_ops().open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error = errno;
    if (error == ELOOP) refuse_layout(path, "a symbolic link, not a regular file");
    throw io_error("open " + path, error);
  }
  FileDescriptor owned(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) throw io_error("stat " + path, errno);
  if (!S_ISREG(st.st_mode)) refuse_layout(path, describe_entry(path) + ", not a regular file");
  return owned.release();
}

}  // namespace

std::string utc_now_text(const char* format) {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, format, &utc);
  return text;
}

std::unique_ptr<Dataset> Dataset::open(const std::string& path, const OpenOptions& options) {
  std::unique_ptr<Dataset> dataset(new Dataset());
  // A shared dataset's writer is the single writer of its own part.
  dataset->root_ = resolved_root(options.writer ? claim_shared_writer(path, *options.writer) : path);
  const std::string& root = dataset->root_;
  make_directories_inside(root, meta_directory(root));  // refuses a link (Error(unsafe_layout))
  if (!options.writer) refuse_shared_without_writer(root);

  const std::string lock_path = meta_directory(root) + "/lock";
  dataset->lock_fd_ = open_lock_file(lock_path);
  // flock() belongs to the open file description, so this also refuses a
  // second Dataset on the same directory inside this process.
  int rc;
  do {
    rc = ::flock(dataset->lock_fd_, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EWOULDBLOCK && options.writer)
      throw Error(Status::dataset_locked, root + ": writer " + std::to_string(options.writer->id) +
                                              " of the shared dataset is open in another ingestor");
    if (errno == EWOULDBLOCK)
      throw Error(Status::dataset_locked, root + ": dataset is open in another ingestor");
    throw io_error("lock " + lock_path, errno);
  }
  dataset->identity_ = DatasetIdentity::capture(root, dataset->lock_fd_);

  dataset->writer_id_ = random_writer_id();
  LoadedManifest loaded = load_manifest_copies(root);  // Error(corrupt) if no copy is good
  const bool had_manifest = loaded.manifest.has_value();
  if (had_manifest) {
    dataset->next_file_seq_ = loaded.manifest->next_file_seq;
    dataset->streams_ = std::move(loaded.manifest->streams);
    dataset->schema_histories_ = std::move(loaded.manifest->schema_histories);
    dataset->files_ = std::move(loaded.manifest->files);
    dataset->quarantined_ = std::move(loaded.manifest->quarantined);
    dataset->realtime_compacted_ = std::move(loaded.manifest->realtime_compacted);
  }
  // Before anything below changes the disk: a link inside the dataset is
  // refused, and the dataset stays as it is (journals included).
  std::vector<std::string> stream_names;
  for (const auto& stream : dataset->streams_) stream_names.push_back(stream.first);
  check_dataset_layout(root, stream_names);
  dataset->report_.resumed_from_step = options.resume_from_step;
  // Half-written manifest copies go first, before anything below can write
  // (and so silently reuse) a temporary name.
  if (options.recover)
    for (RemovedLeftover& leftover : remove_manifest_temporaries(root))
      dataset->report_.removed.push_back(std::move(leftover));
  dataset->quarantine_manifest_copies(loaded.bad, loaded.rewrite);
  if (options.recover) {
    dataset->recover();
    dataset->quarantine_corrupt_files(options.verify_full);
  }
  if (!dataset->report_.quarantined.empty())
    throw Error(Status::corrupt, quarantine_message(root, dataset->report_.quarantined));
  if (!had_manifest) {
    // A new dataset gets its (empty) manifest at once, so readers of the
    // manifest never have to treat "missing" as "empty".
    IoTimings ignored;
    dataset->write_manifest(ignored);
  }
  resume_dataset(*dataset, options.resume_from_step);
  dataset->durable_steps_->reset(dataset->files_);
  return dataset;
}

Dataset::~Dataset() {
  if (lock_fd_ >= 0) file_ops().close(lock_fd_);  // releases the flock
}

void Dataset::write_manifest(IoTimings& timings) {
  Manifest manifest;
  manifest.next_file_seq = next_file_seq_;
  manifest.streams = streams_;
  manifest.schema_histories = schema_histories_;
  manifest.files = files_;
  manifest.quarantined = quarantined_;
  manifest.realtime_compacted = realtime_compacted_;
  // Never into a dataset this ingestor no longer holds.
  commit_step([&] { store_manifest_copies(root_, manifest, timings); });
  durable_steps_->reset(files_);
}

void Dataset::quarantine_manifest_copies(const std::vector<BadManifestCopy>& bad, bool rewrite) {
  std::vector<QuarantinedFile> found;
  for (const BadManifestCopy& copy : bad) {
    QuarantinedFile moved;
    moved.path = copy.relative_path;
    moved.reason = copy.reason;
    moved.moved_to = move_to_quarantine(root_, copy.relative_path);
    found.push_back(std::move(moved));
  }
  if (!found.empty()) record_quarantined(std::move(found));  // also rewrites both copies
  else if (rewrite) {
    IoTimings ignored;
    write_manifest(ignored);
  }
}

void Dataset::quarantine_corrupt_files(bool verify_full) {
  std::vector<QuarantinedFile> found = storage::quarantine_corrupt_files(root_, files_, verify_full);
  if (!found.empty()) record_quarantined(std::move(found));
}

void Dataset::record_quarantined(std::vector<QuarantinedFile> found) {
  for (QuarantinedFile& file : found) {
    quarantined_.push_back(file);
    report_.quarantined.push_back(std::move(file));
  }
  IoTimings ignored;
  write_manifest(ignored);
}

std::unique_ptr<PendingFile> Dataset::begin_file(const std::string& stream, int64_t partition) {
  return begin_file(stream, partition, nullptr);
}

std::unique_ptr<PendingFile> Dataset::begin_journaled_file(const std::string& stream, int64_t partition,
                                                           const parquet::FileSchema& schema,
                                                           const std::vector<parquet::KeyValue>& key_values) {
  JournalHeader header;
  header.stream = stream;
  header.partition = partition;
  header.schema = schema;
  header.key_values = key_values;
  return begin_file(stream, partition, &header);
}

std::unique_ptr<PendingFile> Dataset::begin_file(const std::string& stream, int64_t partition,
                                                 JournalHeader* journal) {
  // The stream name becomes a directory: it must stay one component inside the dataset.
  if (stream.empty() || stream == "." || stream == ".." || stream == kMetaDirectory ||
      stream.find('/') != std::string::npos || stream.find('\0') != std::string::npos)
    throw Error(Status::invalid_argument, "\"" + stream + "\" cannot be a stream directory");

  const std::string relative_dir = stream + "/part=" + std::to_string(partition);
  const std::string directory = root_ + "/" + relative_dir;
  commit_step([&] { make_directories_inside(root_, directory); });  // a lost dataset gets no new files

  std::unique_ptr<PendingFile> file(new PendingFile());
  for (;;) {
    char name[64];
    std::snprintf(name, sizeof name, "part-%08llu-%s.parquet",
                  static_cast<unsigned long long>(next_file_seq_++), writer_id_.c_str());
    const std::string final_path = directory + "/" + name;
    const std::string inprogress = inprogress_path_for(final_path);
    // The writer id makes a clash with an earlier session all but impossible;
    // O_EXCL and the final-name check make it harmless.
    if (path_exists(final_path)) continue;
    int fd = file_ops().open(inprogress.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      throw io_error("create " + inprogress, errno);
    }
    file->fd_ = fd;
    file->relative_path_ = relative_dir + "/" + name;
    file->inprogress_path_ = inprogress;
    file->final_path_ = final_path;
    break;
  }
  file->stream_ = stream;
  file->partition_ = partition;
  file->directory_ = directory;
  file->appender_ = std::make_unique<FileAppender>(file->fd_, file->inprogress_path_, commit_io(), true);
  if (journal) {
    // Created before the directory fsync, so that one fsync makes both names durable.
    file->journal_path_ = file->inprogress_path_ + kJournalSuffix;
    file->journal_fd_ = open_file(file->journal_path_, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644, "create").release();
    journal->path = file->relative_path_;
    append_journal_header(*journal, file->journal_buffer_);
    write_all(file->journal_fd_, file->journal_buffer_.data(), file->journal_buffer_.size(), file->journal_path_);
  }
  // The hidden name must be durable before the manifest can list the file:
  // recovery finishes a commit from it.
  fsync_directory(directory);
  return file;
}

CommitTimings Dataset::commit_file(std::unique_ptr<PendingFile> file, ManifestFile entry) {
  if (!file || file->fd_ < 0 || file->committed_)
    throw Error(Status::internal, "commit_file: the file is not open");
  IoTimings timings;

  // 1. The file's bytes are durable.
  int64_t t0 = steady_now_ns();
  file->flush_buffer();
  int64_t t1 = steady_now_ns();
  fsync_file(file->fd_, file->inprogress_path_);
  int64_t t2 = steady_now_ns();
  timings.write_ns += t1 - t0;
  timings.fsync_ns += t2 - t1;
  file_ops().close(file->fd_);
  file->fd_ = -1;

  entry.stream = file->stream_;
  entry.partition = file->partition_;
  entry.path = file->relative_path_;
  entry.bytes = file->size_;
  // The whole-file CRC was accumulated while writing; only the footer is read
  // back, from a path that must still be in this dataset.
  entry.checksums =
      commit_step([&] { return finished_file_checksums(file->inprogress_path_, file->size_, file->crc32c_); });
  entry.committed_at = utc_now_iso8601();
  const int64_t newest = newest_schema_version(schema_histories_, entry.stream);
  entry.schema_version = file->schema_version_ != 0 ? file->schema_version_ : newest;
  // The first file of a schema version says from which step and time it holds.
  SchemaVersion* first_of_version = nullptr;
  if (auto history = schema_histories_.find(entry.stream); history != schema_histories_.end())
    if (entry.schema_version == newest && !history->second.back().from_step) {
      first_of_version = &history->second.back();
      first_of_version->from_step = entry.step_min;
      first_of_version->from_time = entry.time_min;
    }

  // 2. Readers can see it, complete, before any manifest lists it.
  int64_t t3 = 0;
  commit_step([&] {
    t3 = steady_now_ns();
    rename_path(file->inprogress_path_, file->final_path_);
  });
  // From here on the file is never deleted (nor its journal) here: its
  // frames are complete, and the next open keeps them (salvage or adoption).
  file->committed_ = true;
  files_.push_back(std::move(entry));
  try {
    int64_t t4 = steady_now_ns();
    fsync_directory(file->directory_);
    int64_t t5 = steady_now_ns();
    timings.write_ns += t4 - t3;
    timings.fsync_ns += t5 - t4;
    // 3. The commit point: the manifest lists it (write_manifest checks the
    // dataset's identity first).
    write_manifest(timings);
  } catch (...) {
    files_.pop_back();
    if (first_of_version != nullptr) {
      first_of_version->from_step.reset();
      first_of_version->from_time.reset();
    }
    // Hidden again, so no reader sees a file no manifest lists while this
    // ingestor stays failed. The next open salvages it from its journal
    // (or, if the new manifest did land, renames it back into place). If
    // this rename fails too, the next open adopts or removes the file.
    file_ops().rename(file->final_path_.c_str(), file->inprogress_path_.c_str());
    throw;
  }
  // The journal has done its job; if a crash undoes its removal, recovery
  // removes a journal without its file.
  if (!file->journal_path_.empty()) remove_file(file->journal_path_);

  CommitTimings result;
  result.fsync_ns = timings.fsync_ns;
  result.write_ns = timings.write_ns;
  return result;
}

CommitTimings Dataset::commit_compacted_file(std::unique_ptr<PendingFile> file, ManifestFile entry,
                                             const std::string& stream, LogMark mark) {
  const LogMark before = compacted_mark(stream);
  realtime_compacted_[stream] = mark;
  try {
    return commit_file(std::move(file), std::move(entry));
  } catch (...) {
    realtime_compacted_[stream] = before;
    throw;
  }
}

void Dataset::mark_compacted(const std::string& stream, LogMark mark) {
  const LogMark before = compacted_mark(stream);
  realtime_compacted_[stream] = mark;
  try {
    IoTimings ignored;
    write_manifest(ignored);
  } catch (...) {
    realtime_compacted_[stream] = before;
    throw;
  }
}

LogMark Dataset::compacted_mark(const std::string& stream) const {
  auto it = realtime_compacted_.find(stream);
  return it == realtime_compacted_.end() ? LogMark{} : it->second;
}

}  // namespace simingest::storage
