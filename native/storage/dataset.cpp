#include "storage/dataset.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>
#include <set>
#include <system_error>
#include <utility>

#include "core/status.hpp"
#include "storage/file_ops.hpp"
#include "storage/journal_salvage.hpp"
#include "storage/resume.hpp"
#include "storage/verify.hpp"

namespace simingest::storage {

namespace {

constexpr const char* kMetaDirectory = "_simingest";
constexpr const char* kInProgressPrefix = ".part-";
constexpr const char* kInProgressSuffix = ".parquet.inprogress";

std::string meta_directory(const std::string& root) { return root + "/" + kMetaDirectory; }

std::string file_name_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// The hidden name a file has while it is written: same directory, leading '.',
// suffix that no `*.parquet` glob matches.
std::string inprogress_path_for(const std::string& final_path) {
  return parent_directory(final_path) + "/." + file_name_of(final_path) + ".inprogress";
}

// ".part-….parquet.inprogress" → "part-….parquet".
std::string final_name_of_inprogress(const std::string& name) {
  return name.substr(1, name.size() - 1 - std::char_traits<char>::length(".inprogress"));
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string random_writer_id() {
  std::random_device device;
  uint32_t value = static_cast<uint32_t>(device());
  char text[9];
  std::snprintf(text, sizeof text, "%08" PRIx32, value);
  return text;
}

std::string utc_now_iso8601() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
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

// Subdirectories of `path`, or its regular files when `want_directories` is false.
std::vector<std::string> list_entries(const std::string& path, bool want_directories) {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  std::error_code ec;
  fs::directory_iterator it(path, ec);
  if (ec) throw io_error("list directory " + path, ec.value());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    fs::file_status status = it->symlink_status(ec);
    if (ec) break;
    if (want_directories ? fs::is_directory(status) : fs::is_regular_file(status))
      names.push_back(it->path().filename().string());
  }
  if (ec) throw io_error("list directory " + path, ec.value());
  return names;
}

}  // namespace

std::unique_ptr<Dataset> Dataset::open(const std::string& path, const OpenOptions& options) {
  std::unique_ptr<Dataset> dataset(new Dataset());
  dataset->root_ = absolute_root(path);
  const std::string& root = dataset->root_;
  make_directories(root);
  make_directories(meta_directory(root));

  const std::string lock_path = meta_directory(root) + "/lock";
  dataset->lock_fd_ = open_file(lock_path, O_RDWR | O_CREAT, 0644, "open").release();
  // flock() belongs to the open file description, so this also refuses a
  // second Dataset on the same directory inside this process.
  int rc;
  do {
    rc = ::flock(dataset->lock_fd_, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EWOULDBLOCK)
      throw Error(Status::dataset_locked, root + ": dataset is open in another ingestor");
    throw io_error("lock " + lock_path, errno);
  }

  dataset->writer_id_ = random_writer_id();
  LoadedManifest loaded = load_manifest_copies(root);  // Error(corrupt) if no copy is good
  const bool had_manifest = loaded.manifest.has_value();
  if (had_manifest) {
    dataset->next_file_seq_ = loaded.manifest->next_file_seq;
    dataset->streams_ = std::move(loaded.manifest->streams);
    dataset->files_ = std::move(loaded.manifest->files);
    dataset->quarantined_ = std::move(loaded.manifest->quarantined);
  }
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

void Dataset::recover() {
  // A crash between the manifest rename and a file's rename leaves the file
  // committed but still under its hidden name: finish the rename. A listed
  // file with neither name (or an in-progress file of another size) was
  // never durably written: drop its entry, report it missing.
  std::vector<ManifestFile> kept;
  std::set<std::string> renamed_in;
  bool dropped = false;
  for (ManifestFile& file : files_) {
    const std::string final_path = root_ + "/" + file.path;
    if (regular_file_size(final_path)) {
      kept.push_back(std::move(file));
      continue;
    }
    const std::string inprogress = inprogress_path_for(final_path);
    std::optional<uint64_t> size = regular_file_size(inprogress);
    if (size && *size == file.bytes) {
      rename_path(inprogress, final_path);
      renamed_in.insert(parent_directory(final_path));
      kept.push_back(std::move(file));
    } else {
      report_.missing.push_back(MissingFile{file.path, file.frames});
      dropped = true;
    }
  }
  files_ = std::move(kept);
  for (const std::string& directory : renamed_in) fsync_directory(directory);
  if (dropped) {
    IoTimings ignored;
    write_manifest(ignored);
  }

  // Every in-progress file left now belongs to no commit: keep the row groups
  // its journal proves complete, remove the rest.
  const std::string journal_suffix = std::string(kInProgressSuffix) + kJournalSuffix;
  for (const std::string& stream : list_entries(root_, true)) {
    if (stream == kMetaDirectory) continue;
    const std::string stream_dir = root_ + "/" + stream;
    for (const std::string& partition : list_entries(stream_dir, true)) {
      if (!starts_with(partition, "part=")) continue;
      const std::string relative_dir = stream + "/" + partition;
      const std::string partition_dir = stream_dir + "/" + partition;
      const std::vector<std::string> names = list_entries(partition_dir, false);
      const std::set<std::string> present(names.begin(), names.end());
      for (const std::string& name : names)
        if (starts_with(name, kInProgressPrefix) && ends_with(name, kInProgressSuffix))
          salvage_or_remove(relative_dir, name);
      // A journal without its file (committed, or removed before a crash
      // could undo the journal's removal) has nothing left to say.
      for (const std::string& name : names)
        if (starts_with(name, kInProgressPrefix) && ends_with(name, journal_suffix) &&
            !present.count(name.substr(0, name.size() - std::char_traits<char>::length(kJournalSuffix))))
          remove_file(partition_dir + "/" + name);
    }
  }
}

void Dataset::salvage_or_remove(const std::string& relative_dir, const std::string& name) {
  const std::string directory = root_ + "/" + relative_dir;
  const std::string inprogress = directory + "/" + name;
  const std::string journal = inprogress + kJournalSuffix;
  const std::string final_name = final_name_of_inprogress(name);
  const std::string relative_final = relative_dir + "/" + final_name;
  SalvagePlan plan = plan_salvage(inprogress, journal, relative_final);
  if (plan.records.empty() || path_exists(directory + "/" + final_name)) {
    remove_file(inprogress);
    remove_file(journal);
    report_.removed.push_back(RemovedLeftover{relative_dir + "/" + name, plan.file_bytes});
    return;
  }

  // Cut after the last verified row group, append the footer those row
  // groups need and commit the file like any other. A crash in between
  // leaves the journal and the same verified prefix: the next open redoes it.
  std::unique_ptr<PendingFile> file(new PendingFile());
  file->remove_if_uncommitted_ = false;
  file->fd_ = open_file(inprogress, O_WRONLY | O_APPEND, 0, "open").release();
  file->stream_ = plan.header.stream;
  file->partition_ = plan.header.partition;
  file->relative_path_ = relative_final;
  file->inprogress_path_ = inprogress;
  file->final_path_ = directory + "/" + final_name;
  file->directory_ = directory;
  file->journal_path_ = journal;
  truncate_file(file->fd_, plan.keep_bytes, inprogress);
  file->size_ = plan.keep_bytes;
  file->crc32c_ = plan.keep_crc32c;
  std::vector<const std::vector<uint8_t>*> row_groups;
  for (const JournalRecord& record : plan.records) row_groups.push_back(&record.row_group_metadata);
  ManifestFile entry = salvaged_entry(plan);
  parquet::FileWriter::write_footer(*file, plan.header.schema, plan.header.key_values, row_groups, entry.rows);
  SalvagedFile salvaged{relative_final, entry.row_groups, entry.frames, entry.rows,
                        plan.file_bytes - plan.keep_bytes};
  commit_file(std::move(file), std::move(entry));
  report_.salvaged.push_back(std::move(salvaged));
}

void Dataset::write_manifest(IoTimings& timings) {
  Manifest manifest;
  manifest.next_file_seq = next_file_seq_;
  manifest.streams = streams_;
  manifest.files = files_;
  manifest.quarantined = quarantined_;
  store_manifest_copies(root_, manifest, timings);
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
  make_directories(directory);

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
  file->buffer_.reserve(PendingFile::kBufferBytes);
  if (journal) {
    // Created before the directory fsync, so that one fsync makes both names durable.
    file->journal_path_ = file->inprogress_path_ + kJournalSuffix;
    file->journal_fd_ = open_file(file->journal_path_, O_WRONLY | O_CREAT | O_TRUNC, 0644, "create").release();
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

  // 2. The commit point: the manifest lists it.
  entry.stream = file->stream_;
  entry.partition = file->partition_;
  entry.path = file->relative_path_;
  entry.bytes = file->size_;
  // The whole-file CRC was accumulated while writing; only the footer is read back.
  entry.checksums = finished_file_checksums(file->inprogress_path_, file->size_, file->crc32c_);
  entry.committed_at = utc_now_iso8601();
  files_.push_back(std::move(entry));
  try {
    write_manifest(timings);
  } catch (...) {
    // Whether or not the new manifest reached the disk, the file is removed
    // (PendingFile's destructor) and recovery drops a dangling entry.
    files_.pop_back();
    throw;
  }
  // From here on, the file exists for readers-to-be: never delete it.
  file->committed_ = true;

  // 3. Readers can see it.
  int64_t t3 = steady_now_ns();
  rename_path(file->inprogress_path_, file->final_path_);
  // The journal has done its job. Its removal rides on the directory fsync
  // below; if a crash undoes it, recovery removes a journal without its file.
  if (!file->journal_path_.empty()) remove_file(file->journal_path_);
  int64_t t4 = steady_now_ns();
  fsync_directory(file->directory_);
  int64_t t5 = steady_now_ns();
  timings.write_ns += t4 - t3;
  timings.fsync_ns += t5 - t4;

  CommitTimings result;
  result.fsync_ns = timings.fsync_ns;
  result.write_ns = timings.write_ns;
  return result;
}

}  // namespace simingest::storage
