// Waiting for a directory's files to change: inotify where the kernel has it
// (IN_CREATE, IN_MOVED_TO, IN_MODIFY on the files of the directory), else —
// or when asked, as tests and file systems whose writers inotify cannot see
// (NFS from another machine) need — polling every `interval`. An eventfd
// wakes the waiter from another thread (cancel).
//
// No change is lost between a read and the wait that follows it: the watch
// exists before the first read, so a write after it leaves an event queued
// and the next wait returns at once.
#pragma once

#include <chrono>
#include <string>

namespace simingest::query {

class DirectoryWatch {
 public:
  enum class Mode { inotify, poll };

  // Watches `directory`. inotify when `prefer_inotify` and the kernel
  // grants a watch, else polling. Throws Error(resource_limit) if not even
  // the eventfd can be made.
  DirectoryWatch(const std::string& directory, bool prefer_inotify, std::chrono::milliseconds interval);
  ~DirectoryWatch();
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  Mode mode() const noexcept { return mode_; }

  struct Change {
    bool woken = false;        // wake() was called
    bool entries = false;      // a file was created or moved in (or unknown: polling)
  };
  // Returns when something changed, `interval` passed (polling; with inotify
  // a much longer safety interval), or wake() was called.
  Change wait();

  // Makes the current or next wait() return with `woken`. Any thread.
  void wake() noexcept;

 private:
  Mode mode_ = Mode::poll;
  int inotify_ = -1;
  int wake_ = -1;  // eventfd
  std::chrono::milliseconds interval_;
};

}  // namespace simingest::query
