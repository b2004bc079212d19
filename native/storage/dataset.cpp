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

#include "core/status.hpp"

namespace simingest::storage {

namespace {

constexpr const char* kMetaDirectory = "_simingest";
constexpr const char* kInProgressPrefix = ".part-";
constexpr const char* kInProgressSuffix = ".parquet.inprogress";

std::string meta_directory(const std::string& root) { return root + "/" + kMetaDirectory; }
std::string manifest_path(const std::string& root) { return meta_directory(root) + "/manifest.json"; }

std::string file_name_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// The hidden name a file has while it is written: same directory, leading '.',
// suffix that no `*.parquet` glob matches.
std::string inprogress_path_for(const std::string& final_path) {
  return parent_directory(final_path) + "/." + file_name_of(final_path) + ".inprogress";
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
  dataset->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (dataset->lock_fd_ < 0) throw io_error("open " + lock_path, errno);
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
  const std::string manifest = manifest_path(root);
  const bool had_manifest = path_exists(manifest);
  if (had_manifest) {
    Manifest loaded = parse_manifest(read_file(manifest), manifest);
    dataset->next_file_seq_ = loaded.next_file_seq;
    dataset->streams_ = std::move(loaded.streams);
    dataset->files_ = std::move(loaded.files);
  }
  dataset->report_.resumed_from_step = options.resume_from_step;
  dataset->recover();
  if (!had_manifest) {
    // A new dataset gets its (empty) manifest at once, so readers of the
    // manifest never have to treat "missing" as "empty".
    IoTimings ignored;
    dataset->write_manifest(ignored);
  }
  return dataset;
}

Dataset::~Dataset() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

void Dataset::recover() {
  // A crash between the manifest rename and a file's rename leaves the file
  // committed but still under its hidden name: finish the rename. A listed
  // file with neither name (or an in-progress file of another size) was
  // never durably written: drop its entry.
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
      dropped = true;
    }
  }
  files_ = std::move(kept);
  for (const std::string& directory : renamed_in) fsync_directory(directory);

  // Every in-progress file left now belongs to no commit.
  for (const std::string& stream : list_entries(root_, true)) {
    if (stream == kMetaDirectory) continue;
    const std::string stream_dir = root_ + "/" + stream;
    for (const std::string& partition : list_entries(stream_dir, true)) {
      if (!starts_with(partition, "part=")) continue;
      const std::string partition_dir = stream_dir + "/" + partition;
      for (const std::string& name : list_entries(partition_dir, false))
        if (starts_with(name, kInProgressPrefix) && ends_with(name, kInProgressSuffix))
          remove_file(partition_dir + "/" + name);
    }
  }
  remove_file(manifest_path(root_) + ".tmp");

  if (dropped) {
    IoTimings ignored;
    write_manifest(ignored);
  }
}

void Dataset::write_manifest(IoTimings& timings) {
  Manifest manifest;
  manifest.next_file_seq = next_file_seq_;
  manifest.streams = streams_;
  manifest.files = files_;
  replace_file(manifest_path(root_), serialize_manifest(manifest), timings);
}

void Dataset::register_stream(const std::string& stream, const std::string& schema_json) {
  const std::string schema = canonical_schema_text(schema_json);
  for (const auto& [name, known] : streams_) {
    if (name != stream) continue;
    if (known == schema) return;
    throw Error(Status::schema_conflict, "stream \"" + stream +
                                             "\": schema differs from the dataset's: dataset has " +
                                             known + ", configuration has " + schema);
  }
  streams_.emplace_back(stream, schema);
  try {
    IoTimings ignored;
    write_manifest(ignored);
  } catch (...) {
    streams_.pop_back();
    throw;
  }
}

std::unique_ptr<PendingFile> Dataset::begin_file(const std::string& stream, int64_t partition) {
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
    int fd = ::open(inprogress.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
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
  ::close(file->fd_);
  file->fd_ = -1;

  // 2. The commit point: the manifest lists it.
  entry.stream = file->stream_;
  entry.partition = file->partition_;
  entry.path = file->relative_path_;
  entry.bytes = file->size_;
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
