#include "query/directory_watch.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "core/status.hpp"

namespace simingest::query {

namespace {
// With inotify, events carry the news; the timeout only bounds the damage of
// one that never comes (the directory replaced under the watch).
constexpr int kInotifySafetyMs = 500;
}  // namespace

DirectoryWatch::DirectoryWatch(const std::string& directory, bool prefer_inotify, std::chrono::milliseconds interval)
    : interval_(interval) {
  wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_ < 0) throw Error(Status::resource_limit, std::string("eventfd: ") + std::strerror(errno));
  if (!prefer_inotify) return;
  inotify_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_ < 0) return;  // out of instances (fs.inotify.max_user_instances): poll instead
  if (::inotify_add_watch(inotify_, directory.c_str(), IN_CREATE | IN_MOVED_TO | IN_MODIFY | IN_CLOSE_WRITE) < 0) {
    ::close(inotify_);
    inotify_ = -1;
    return;
  }
  mode_ = Mode::inotify;
}

DirectoryWatch::~DirectoryWatch() {
  if (inotify_ >= 0) ::close(inotify_);
  if (wake_ >= 0) ::close(wake_);
}

DirectoryWatch::Change DirectoryWatch::wait() {
  Change change;
  pollfd fds[2] = {{wake_, POLLIN, 0}, {inotify_, POLLIN, 0}};
  const nfds_t count = mode_ == Mode::inotify ? 2 : 1;
  const int timeout = mode_ == Mode::inotify ? kInotifySafetyMs : static_cast<int>(interval_.count());
  const int ready = ::poll(fds, count, timeout);
  if (ready <= 0) {  // timed out (or EINTR): look at everything again
    change.entries = true;
    return change;
  }
  if (fds[0].revents & POLLIN) {
    uint64_t value = 0;
    if (::read(wake_, &value, sizeof value) == static_cast<ssize_t>(sizeof value)) change.woken = true;
  }
  if (count == 2 && (fds[1].revents & POLLIN)) {
    alignas(inotify_event) char events[4096];
    for (;;) {
      const ssize_t got = ::read(inotify_, events, sizeof events);
      if (got <= 0) break;
      for (ssize_t at = 0; at < got;) {
        const auto* event = reinterpret_cast<const inotify_event*>(events + at);
        if (event->mask & (IN_CREATE | IN_MOVED_TO | IN_Q_OVERFLOW)) change.entries = true;
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
  }
  return change;
}

void DirectoryWatch::wake() noexcept {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(wake_, &one, sizeof one);
}

}  // namespace simingest::query
