// Following a stream's realtime log from outside the writing process
// (simingest_dataset_subscribe): one thread per subscription reads the
// segments of <dataset>/_realtime/<stream>/ as they grow and are added, and
// calls the subscription callback (simingest_subscription_callback, the same
// frame struct as in-process subscriptions) once per record.
//
// Where it starts: without from_step, at the end of the newest segment's
// whole blocks (from now); with it, at the oldest segment present, skipping
// steps below from_step (history, as far as the log on disk holds it).
//
// Segments: every segment the tail sees listed is opened at once and kept
// open until read to its end, so compaction unlinking it changes nothing for
// this reader. A segment is done when a newer one exists and a read after
// seeing it ends at a block boundary (the writer of the newer one recovered
// it before creating that one). A gap in segment numbers — segments created
// and retired (compacted into Parquet) before the tail ever listed them —
// ends the subscription with Status::backpressure naming them and the last
// step delivered: their frames are in the Parquet files, never delivered
// twice here.
//
// The callback runs on the tail's thread. End call exactly once: damage
// (Status::corrupt naming the file and byte), an I/O failure, the hand-over
// above, or the callback returning nonzero end it there; cancel() ends it on
// the cancelling thread after joining the tail's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "core/config.hpp"
#include "core/status.hpp"
#include "query/directory_watch.hpp"
#include "simingest.h"

namespace simingest::storage::avro {
class LogSegmentFollower;
struct DecodedFrame;
}  // namespace simingest::storage::avro

namespace simingest::query {

struct TailOptions {
  bool has_from_step = false;
  int64_t from_step = 0;
  bool prefer_inotify = true;  // false: poll (tests; file systems inotify does not see)
  std::chrono::milliseconds poll_interval{2};
};

class LogTail {
 public:
  // Starts following `stream`'s log in the dataset at `root`. Throws
  // Error(invalid_argument) when the stream has no realtime log directory
  // (route "batch"), Error(resource_limit) when no thread can be started.
  LogTail(const std::string& root, const StreamConfig& stream, const TailOptions& options,
          simingest_subscription_callback callback, void* user);
  ~LogTail();
  LogTail(const LogTail&) = delete;
  LogTail& operator=(const LogTail&) = delete;

  // Ends the subscription (its end call runs here unless it ran already) and
  // joins the thread. invalid_argument: called twice, or from the callback.
  Status cancel(std::string& message) noexcept;

  DirectoryWatch::Mode watch_mode() const noexcept { return watch_.mode(); }

 private:
  void run() noexcept;
  // Lists the directory and opens the segments not seen before. False (and
  // `notice` set) if segments were retired before they could be read; the
  // first listing (at subscribe) reports none: history is what is on disk.
  bool scan(std::string& notice);
  void follow();  // the loop: returns after an end call, or when cancel() stops it
  void end(Status status, const std::string& message) noexcept;

  std::string directory_;
  std::string stream_name_;
  StreamConfig stream_;
  TailOptions options_;
  simingest_subscription_callback callback_;
  void* user_;
  DirectoryWatch watch_;
  std::deque<std::unique_ptr<storage::avro::LogSegmentFollower>> segments_;  // opened, not yet read to the end, ascending
  bool listed_any_ = false;
  uint64_t newest_listed_ = 0;
  bool delivered_any_ = false;
  int64_t last_step_ = 0;
  std::unique_ptr<storage::avro::DecodedFrame> frame_;
  std::atomic<bool> stop_{false};
  bool ended_ = false;     // the end call ran (tail thread; read by cancel() after join)
  bool cancelled_ = false; // cancel() ran (its caller's thread)
  std::thread thread_;
};

}  // namespace simingest::query
