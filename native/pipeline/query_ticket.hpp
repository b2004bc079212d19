// What a query on an open ingestor waits on: a query marker travels down one
// stream in ingest order (admission gives it the stream's next seq, like a
// flush barrier). Two stops fill the ticket:
//   1. the stream's sequencer, at the marker's seq: every frame admitted
//      before it has passed; those not yet sealed into a row group are the
//      open row group's frames — the ticket takes a hold on each (they stay
//      in memory until the query copies them) — and the marker goes on as an
//      empty row group numbered before the open one;
//   2. the commit thread, in row-group order: every row group sealed before
//      the marker has been written. It records the stream's committed files
//      and the file it is writing (an open descriptor and the row groups
//      written so far), then completes the ticket.
// So the frames before the marker are, each exactly once: in a committed
// file, in the written part of the open file, or held in memory — and no
// frame after it is anywhere in the snapshot (docs/ARCHITECTURE.md, "Reading
// while writing").
//
// Lock: `mutex_` guards done_, status_ and message_; `frames` is written by
// the sequencer before the marker goes on and `files` by the commit thread
// before it completes the ticket, and both are read by the waiting thread
// only after wait() returns (the mutex orders them).
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "query/snapshot.hpp"

namespace simingest::pipeline {

struct Frame;

class QueryTicket {
 public:
  std::vector<Frame*> frames;            // held: release each with Engine::Impl::release_frame
  std::vector<query::FilePart> files;    // committed, then the open file's written part

  void complete(Status status = Status::ok, std::string message = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = status;
    message_ = std::move(message);
    done_ = true;
    ready_.notify_all();
  }

  Status wait(std::string& message) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [this] { return done_; });
    message = message_;
    return status_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  bool done_ = false;
  Status status_ = Status::ok;
  std::string message_;
};

}  // namespace simingest::pipeline
