// Which dataset an ingestor holds (issue 3): the device and inode of the
// dataset directory, of its _simingest/ directory and of the lock file, taken
// when the lock is acquired. The lock (flock) belongs to the lock file's
// inode, not to its path: after `rm -rf <dataset>`, or after only
// _simingest/lock was deleted, another ingestor can open the same path and
// lock a new inode while this one still holds the old. The commit path then
// compares the recorded identity with what the paths name now before every
// step that makes something visible (begin a file, rename a file into place,
// replace the manifest), and throws Error(dataset_lost) on any difference, so
// a writer never commits into a dataset that is no longer the one it opened.
//
// A check is three stat() calls; commits are per file, so this is noise.
// It narrows, but cannot close, the window between the check and the rename
// that follows it: a removal in that window is seen at the next check.
#pragma once

#include <sys/types.h>

#include <string>

namespace simingest::storage {

class DatasetIdentity {
 public:
  DatasetIdentity() = default;
  // Records the identity of `root`, `root`/_simingest and the lock file open
  // as `lock_fd` (fstat: the inode this process holds the lock on). Throws
  // Error(io) naming the path that cannot be read.
  static DatasetIdentity capture(const std::string& root, int lock_fd);

  // Throws Error(dataset_lost) naming what was removed or replaced since
  // capture(), and that nothing more is committed. A default-constructed
  // identity (never captured) checks nothing.
  void check(const std::string& root) const;

 private:
  struct Inode {
    dev_t device = 0;
    ino_t inode = 0;
  };
  bool captured_ = false;
  Inode root_{}, meta_{}, lock_{};
};

}  // namespace simingest::storage
