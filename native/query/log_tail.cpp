#include "query/log_tail.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "storage/avro_frame_decoder.hpp"
#include "storage/layout.hpp"
#include "storage/log_segment_follower.hpp"
#include "storage/realtime_log_files.hpp"

namespace simingest::query {

namespace avro = storage::avro;

namespace {

std::string directory_of(const std::string& root, const std::string& stream) {
  const std::string directory = root + "/" + storage::realtime_stream_directory(stream);
  struct stat st {};
  if (::stat(directory.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw Error(Status::invalid_argument,
                "subscribe: stream \"" + stream + "\" has no realtime log in " + root +
                    " (no " + storage::realtime_stream_directory(stream) +
                    "/: its route is \"batch\", so nothing reaches the realtime path)");
  return directory;
}

// The segment numbers in `directory`, ascending.
std::vector<uint64_t> list_segments(const std::string& directory) {
  std::vector<uint64_t> numbers;
  for (const std::string& name : storage::directory_names(directory)) {
    const int64_t number = storage::realtime_log_segment(name);
    if (number >= 0) numbers.push_back(static_cast<uint64_t>(number));
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

}  // namespace

LogTail::LogTail(const std::string& root, const StreamConfig& stream, const TailOptions& options,
                 simingest_subscription_callback callback, void* user)
    : directory_(directory_of(root, stream.name)),
      stream_name_(stream.name),
      stream_(stream),
      options_(options),
      callback_(callback),
      user_(user),
      watch_(directory_, options.prefer_inotify, options.poll_interval),
      frame_(std::make_unique<avro::DecodedFrame>()) {
  // Where to start is settled here, before the caller's next ingest: "from now" is this call.
  std::string reason;
  scan(reason);  // the first listing has no gap to report
  if (!options_.has_from_step) {
    while (segments_.size() > 1) segments_.pop_front();
    if (!segments_.empty() && segments_.front()->skip_present(reason) == avro::LogSegmentFollower::Next::damaged)
      throw Error(Status::corrupt, "subscribe: " + reason);
  }
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    throw Error(Status::resource_limit, std::string("subscribe: cannot start the tail thread: ") + e.what());
  }
}

LogTail::~LogTail() {
  std::string ignored;
  if (!cancelled_) cancel(ignored);
}

Status LogTail::cancel(std::string& message) noexcept {
  if (cancelled_) {
    message = "unsubscribe: already unsubscribed";
    return Status::invalid_argument;
  }
  if (std::this_thread::get_id() == thread_.get_id()) {
    message = "unsubscribe: called from the subscription's own callback (return nonzero to end it)";
    return Status::invalid_argument;
  }
  cancelled_ = true;
  stop_.store(true, std::memory_order_release);
  watch_.wake();
  if (thread_.joinable()) thread_.join();
  if (!ended_) end(Status::ok, "unsubscribed");
  return Status::ok;
}

void LogTail::end(Status status, const std::string& message) noexcept {
  ended_ = true;
  callback_(user_, nullptr, static_cast<simingest_status>(status), message.c_str());
}

bool LogTail::scan(std::string& notice) {
  const bool first_listing = !listed_any_;  // history is what is on disk: no gap to report in it
  for (const uint64_t number : list_segments(directory_)) {
    if (listed_any_ && number <= newest_listed_) continue;
    const bool gap = !first_listing && number != newest_listed_ + 1;
    const uint64_t first_missing = newest_listed_ + 1;
    listed_any_ = true;
    newest_listed_ = number;
    const std::string path = directory_ + "/" + storage::realtime_log_name(number);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (first_listing && fd < 0 && errno == ENOENT) continue;  // retired while listed: before this subscription
    if (gap || (fd < 0 && errno == ENOENT)) {
      if (fd >= 0) ::close(fd);
      const uint64_t last_missing = fd < 0 ? number : number - 1;
      notice = "segments " + storage::realtime_log_name(gap ? first_missing : number) + " to " +
               storage::realtime_log_name(last_missing) + " of stream \"" + stream_name_ +
               "\" were retired (compacted into Parquet) before this subscription read them; " +
               (delivered_any_ ? "query the dataset for steps after " + std::to_string(last_step_)
                               : std::string("query the dataset for them")) +
               ", then subscribe again with fromStep";
      return false;
    }
    if (fd < 0) throw Error(Status::io, path + ": open: " + std::strerror(errno));
    segments_.push_back(std::make_unique<avro::LogSegmentFollower>(fd, path, stream_));
  }
  return true;
}

void LogTail::follow() {
  std::string reason;
  for (;;) {
    if (stop_.load(std::memory_order_acquire)) return;
    if (segments_.empty()) {
      const DirectoryWatch::Change change = watch_.wait();
      if (change.woken) continue;
      if (!scan(reason)) return end(Status::backpressure, reason);
      continue;
    }
    avro::LogSegmentFollower& current = *segments_.front();
    switch (current.next(*frame_, reason)) {
      case avro::LogSegmentFollower::Next::frame: {
        if (options_.has_from_step && frame_->step < options_.from_step) continue;
        const simingest_subscription_frame frame{stream_name_.c_str(), frame_->step, frame_->time, 0,
                                                 frame_->columns.data(), frame_->columns.size()};
        delivered_any_ = true;
        last_step_ = frame_->step;
        int verdict = 1;
        try {
          verdict = callback_(user_, &frame, SIMINGEST_OK, "");
        } catch (...) {
          verdict = 1;  // a callback that throws ends its subscription, as in-process
        }
        if (verdict != 0) return end(Status::ok, "the callback ended the subscription");
        continue;
      }
      case avro::LogSegmentFollower::Next::damaged:
        return end(Status::corrupt, reason);
      case avro::LogSegmentFollower::Next::wait:
        break;
    }
    if (segments_.size() > 1) {
      // A newer segment was listed before this read, and its writer recovered this one
      // before creating it: what this read saw is all there will be.
      if (current.header_complete() && current.size_now() > current.boundary())
        return end(Status::corrupt, current.path() + ": ends inside a block at byte " +
                                        std::to_string(current.boundary()) + " although a newer segment follows");
      segments_.pop_front();  // a segment without a whole header held no frame
      continue;
    }
    const DirectoryWatch::Change change = watch_.wait();
    if (change.entries && !scan(reason)) return end(Status::backpressure, reason);
  }
}

void LogTail::run() noexcept {
  try {
    follow();
  } catch (const Error& e) {
    end(e.status(), e.what());
  } catch (const std::bad_alloc&) {
    end(Status::out_of_memory, "subscribe: out of memory");
  } catch (const std::exception& e) {
    end(Status::internal, std::string("subscribe: internal error: ") + e.what());
  }
  // Lets cancel() and the destructor join; the descriptors close with the object.
}

}  // namespace simingest::query
