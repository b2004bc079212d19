// Test-only: a storage::FileOps that counts the operations storage/ performs
// and, at operation k, makes it fail or "crash", then rewinds the disk to what
// a crash would have left (docs/RELIABILITY.md, "Crash-point sweep").
//
// Counted operations: open with O_CREAT, write, ftruncate, fsync, directory
// fsync, rename, unlink, mkdir. close is never counted and always performed.
//
// Faults at operation k:
//   fail         the operation does nothing and fails with `error`; later ones run.
//   short_write  a write writes half its bytes and reports that; the next write
//                fails with `error` (a disk filling up mid-write). Other
//                operations: like fail.
//   crash        from operation k on, nothing reaches the disk: every counted
//                operation (and any open) fails with EIO. settle(), called once
//                the writer is gone, then rewinds the disk by `model`.
//
// Crash models (what settle() leaves):
//   process_kill  everything the kernel was handed survives (kill -9): the disk
//                 stays as it is; a write that was the crash point is torn
//                 (half of it written).
//   power_loss    a file keeps only the content it had at its last fsync (or when
//                 the injector was created; a file created later and never
//                 fsynced is empty), and a directory keeps only the names it had
//                 at its last fsync: names created, renamed or removed after it
//                 are undone.
//   torn_tail     power_loss, except that each file keeps a pseudo-random prefix
//                 of the bytes appended after its last fsync (write-back got that
//                 far), in which one 4 KiB page is sometimes zeros (written back
//                 out of order: the size made it, that page did not), sometimes
//                 followed by garbage (a torn sector).
// Simplifications, chosen because storage/ never depends on them: directories
// are never undone (storage fsyncs a parent right after mkdir), and only
// regular files are tracked.
//
// Thread-safe: the engine's commit thread and the host thread both call it.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "storage/file_ops.hpp"

namespace simingest::testing_support {

enum class FaultKind { none, fail, short_write, crash };
enum class CrashModel { process_kill, power_loss, torn_tail };

// The model's name, for a failing sweep's message.
inline const char* crash_model_name(CrashModel model) {
  switch (model) {
    case CrashModel::process_kill: return "process_kill";
    case CrashModel::power_loss: return "power_loss";
    case CrashModel::torn_tail: return "torn_tail";
  }
  return "?";
}

struct FaultPlan {
  uint64_t at = 0;  // 1-based operation index; 0: never
  FaultKind kind = FaultKind::none;
  int error = EIO;  // fail, short_write
  CrashModel model = CrashModel::power_loss;
  uint64_t seed = 1;  // torn_tail: which prefix and garbage
};

class FaultInjectingFileOps final : public storage::FileOps {
 public:
  // Everything under `root` now counts as durable.
  explicit FaultInjectingFileOps(const std::string& root, FaultPlan plan = {}) : root_(normal(root)), plan_(plan) {
    std::filesystem::create_directories(root_);
    scan(root_);
  }

  uint64_t operations() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_;
  }
  bool fired() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return fired_;
  }
  bool crashed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return crashed_;
  }
  // "write /…/x", the operation the fault hit (empty if none did).
  std::string fired_at() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return fired_at_;
  }
  // Every counted operation attempted, in order ("fsync /…/x"): entry k-1 is operation k.
  std::vector<std::string> log() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return log_;
  }

  // Crashes now, between operations, with `model` (for tests that wait for
  // a state rather than count operations).
  void crash_now(CrashModel model) {
    std::lock_guard<std::mutex> lock(mutex_);
    model_ = model;
    crashed_ = fired_ = true;
    fired_at_ = "crash_now after operation " + std::to_string(count_);
  }

  // After a crash, once nothing has the dataset open: rewinds the disk.
  void settle() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!crashed_ || model_ == CrashModel::process_kill) return;
    // What each file holds now, for torn tails (files reachable by a name).
    std::map<const Node*, std::string> current;
    for (const auto& [dir, entries] : durable_) {
      (void)entries;
      for (const auto& [name, node] : list(dir)) current[node.get()] = read_all(dir + "/" + name);
    }
    for (const auto& [dir, entries] : durable_) {
      (void)entries;
      for (const auto& [name, node] : list(dir)) {
        (void)node;
        ::unlink((dir + "/" + name).c_str());
      }
    }
    uint64_t salt = plan_.seed;
    for (const auto& [dir, entries] : durable_) {
      for (const auto& [name, node] : entries) {
        std::string content = node->durable;
        auto now = current.find(node.get());
        if (model_ == CrashModel::torn_tail && now != current.end() &&
            now->second.size() > content.size() && now->second.compare(0, content.size(), content) == 0) {
          const uint64_t r = mix(salt++);
          const std::size_t tail = now->second.size() - content.size();
          const std::size_t keep = static_cast<std::size_t>(r % (tail + 1));
          content.append(now->second, node->durable.size(), keep);
          if (keep > 0 && (r >> 24) % 2 == 0) {  // a page of the kept tail never reached the disk
            const std::size_t first_page = node->durable.size() / kPage, last_page = (content.size() - 1) / kPage;
            const std::size_t page = first_page + static_cast<std::size_t>(mix(salt++) % (last_page - first_page + 1));
            const std::size_t from = std::max(page * kPage, node->durable.size());
            const std::size_t to = std::min((page + 1) * kPage, content.size());
            std::fill(content.begin() + static_cast<std::ptrdiff_t>(from), content.begin() + static_cast<std::ptrdiff_t>(to), '\0');
          }
          if ((r >> 32) % 3 == 0) {  // a torn sector: garbage after the kept bytes
            const std::size_t garbage = 1 + static_cast<std::size_t>((r >> 40) % 64);
            for (std::size_t i = 0; i < garbage; ++i) content.push_back(static_cast<char>(mix(salt + i) & 0xFF));
          }
        }
        std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        if (!out) throw std::runtime_error("settle: cannot write " + dir + "/" + name);
      }
    }
  }

  // storage::FileOps
  int open(const char* path, int flags, mode_t mode) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (crashed_) return refuse();
    if ((flags & O_CREAT) && fault("open", path)) return -1;
    struct stat before;
    const bool existed = ::lstat(path, &before) == 0;
    const int fd = ::open(path, flags, mode);
    if (fd < 0) return fd;
    struct stat st;
    fd_paths_[fd] = path;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      const Key key{st.st_dev, st.st_ino};
      auto it = nodes_.find(key);
      if (!existed || it == nodes_.end()) {
        auto node = std::make_shared<Node>();
        if (existed) node->durable = read_all(path);  // there before we knew it: durable
        nodes_[key] = node;
        fds_[fd] = node;
      } else {
        fds_[fd] = it->second;
      }
    }
    return fd;
  }

  ssize_t write(int fd, const void* data, std::size_t size) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (crashed_) return refuse();
    if (pending_short_write_error_) {
      errno = pending_short_write_error_;
      pending_short_write_error_ = 0;
      return -1;
    }
    const uint64_t k = ++count_;
    log_.push_back("write " + path_of(fd));
    if (k == plan_.at && plan_.kind != FaultKind::none) {
      fired_ = true;
      fired_at_ = log_.back();
      if (plan_.kind == FaultKind::short_write && size > 1) {
        pending_short_write_error_ = plan_.error;
        return ::write(fd, data, size / 2);
      }
      if (plan_.kind == FaultKind::crash) {
        crashed_ = true;
        // kill -9 in the middle of a write: part of it reached the kernel.
        if (model_ == CrashModel::process_kill && size > 1) (void)!::write(fd, data, size / 2);
        errno = EIO;
        return -1;
      }
      errno = plan_.error;
      return -1;
    }
    return ::write(fd, data, size);
  }

  int ftruncate(int fd, off_t size) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (crashed_) return refuse();
    if (fault("ftruncate", path_of(fd))) return -1;
    return ::ftruncate(fd, size);
  }

  int fsync(int fd) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (crashed_) return refuse();
    if (fault("fsync", path_of(fd))) return -1;
    // No real fsync: durability is what this model says, and the sweep stays fast.
    auto it = fds_.find(fd);
    if (it != fds_.end()) it->second->durable = read_all("/proc/self/fd/" + std::to_string(fd));
    return 0;
  }

  int sync_directory(const char* path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (crashed_) return refuse();
    if (fault("fsync directory", path)) return -1;
    const std::string dir = normal(path);
    if (dir.compare(0, root_.size(), root_) == 0) durable_[dir] = list(dir);
    return 0;
  }

  int rename(const char* from, const char* to) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (crashed_) return refuse();
    if (fault("rename", from)) return -1;
    return ::rename(from, to);
  }

  int unlink(const char* path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (crashed_) return refuse();
    if (fault("unlink", path)) return -1;
    return ::unlink(path);
  }

  int mkdir(const char* path, mode_t mode) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (crashed_) return refuse();
    if (fault("mkdir", path)) return -1;
    const int rc = ::mkdir(path, mode);
    const std::string dir = normal(path);
    if (rc == 0 && dir.compare(0, root_.size(), root_) == 0) durable_[dir];  // empty until fsynced
    return rc;
  }

  int close(int fd) override {
    std::lock_guard<std::mutex> lock(mutex_);
    fds_.erase(fd);
    fd_paths_.erase(fd);
    return ::close(fd);
  }

 private:
  static constexpr std::size_t kPage = 4096;
  struct Node {
    std::string durable;  // content as of the last fsync
  };
  using NodePtr = std::shared_ptr<Node>;
  using Key = std::pair<dev_t, ino_t>;

  static std::string normal(const std::string& path) {
    std::string text = std::filesystem::path(path).lexically_normal().string();
    while (text.size() > 1 && text.back() == '/') text.pop_back();
    return text;
  }

  static std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  static uint64_t mix(uint64_t x) {  // splitmix64
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
  }

  // The regular files of `dir` now, each with its node (new nodes for files
  // never seen: their content counts as durable).
  std::map<std::string, NodePtr> list(const std::string& dir) {
    std::map<std::string, NodePtr> entries;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return entries;
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st;
      const std::string path = dir + "/" + name;
      if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      const Key key{st.st_dev, st.st_ino};
      auto it = nodes_.find(key);
      if (it == nodes_.end()) {
        auto node = std::make_shared<Node>();
        node->durable = read_all(path);
        it = nodes_.emplace(key, node).first;
      }
      entries[name] = it->second;
    }
    ::closedir(d);
    return entries;
  }

  void scan(const std::string& dir) {
    durable_[dir] = list(dir);
    for (const auto& entry : std::filesystem::directory_iterator(dir))
      if (entry.is_directory() && !entry.is_symlink()) scan(normal(entry.path().string()));
  }

  int refuse() {
    errno = EIO;
    return -1;
  }

  std::string path_of(int fd) const {
    auto it = fd_paths_.find(fd);
    return it == fd_paths_.end() ? "fd " + std::to_string(fd) : it->second;
  }

  // Counts one operation; true (errno set) if the fault hits it.
  bool fault(const char* what, const std::string& path) {
    const uint64_t k = ++count_;
    log_.push_back(std::string(what) + " " + path);
    if (k != plan_.at || plan_.kind == FaultKind::none) return false;
    fired_ = true;
    fired_at_ = log_.back();
    if (plan_.kind == FaultKind::crash) {
      crashed_ = true;
      errno = EIO;
    } else {
      errno = plan_.error;
    }
    return true;
  }

  const std::string root_;
  const FaultPlan plan_;
  CrashModel model_ = plan_.model;
  mutable std::mutex mutex_;
  uint64_t count_ = 0;
  bool fired_ = false;
  bool crashed_ = false;
  std::string fired_at_;
  int pending_short_write_error_ = 0;
  std::map<Key, NodePtr> nodes_;                              // current file of each inode
  std::map<int, NodePtr> fds_;                                // open descriptors
  std::map<int, std::string> fd_paths_;                       // and the path each was opened with
  std::vector<std::string> log_;
  std::map<std::string, std::map<std::string, NodePtr>> durable_;  // directory → names as of its last fsync
};

}  // namespace simingest::testing_support
