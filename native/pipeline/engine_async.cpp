// flush_async(): a flush whose completion is a callback instead of a wait.
// The barrier markers are the ones flush() sends; the ticket lives on the
// heap and calls back from the commit thread when its last stream commits.
#include <atomic>
#include <mutex>
#include <new>
#include <string>

#include "pipeline/engine_impl.hpp"

namespace simingest {

namespace {

// A flush is done once both paths are: the batch streams' barriers
// committed (FlushTicket, commit thread) and the realtime log fsynced up to
// the flush (RealtimeLog, writer thread). Whichever arrives second calls
// back, with the first failure, and frees this.
class FlushJoin {
 public:
  FlushJoin(simingest_completion_callback done, void* user) : done_(done), user_(user) {}

  void arrive(Status status, const std::string& message) noexcept {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (status_ == Status::ok && status != Status::ok) {
        status_ = status;
        try {
          message_ = message;
        } catch (...) {
        }
      }
    }
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      done_(user_, static_cast<simingest_status>(status_), message_.c_str());
      delete this;
    }
  }

 private:
  simingest_completion_callback done_;
  void* user_;
  std::atomic<int> remaining_{2};
  std::mutex mutex_;
  Status status_ = Status::ok;
  std::string message_;
};

}  // namespace

Status Engine::flush_async(simingest_completion_callback done, void* user, std::string& message) noexcept {
  Impl& impl = *impl_;
  if (impl.closed.load(std::memory_order_acquire)) {
    message = "the ingestor is closed";
    return Status::closed;
  }
  const int streams = static_cast<int>(impl.streams.size());  // at least one (config)
  pipeline::FlushTicket* ticket = nullptr;
  FlushJoin* join = nullptr;
  try {
    join = new FlushJoin(done, user);
    ticket = new pipeline::FlushTicket(
        streams, [join](Status status, const std::string& text) { join->arrive(status, text); });
  } catch (const std::bad_alloc&) {
    delete join;
    message = "out of memory";
    return Status::out_of_memory;
  }
  try {
    impl.realtime.sync_all_async([join](Status status, const std::string& text) { join->arrive(status, text); });
  } catch (const std::bad_alloc&) {
    join->arrive(Status::out_of_memory, "out of memory while flushing the realtime log");
  }
  int sent = 0;
  try {
    for (auto& stream : impl.streams) {
      impl.admission.enqueue_marker(*stream, pipeline::Frame::Kind::barrier, ticket);
      ++sent;
    }
  } catch (...) {  // only std::bad_alloc: a marker's buffer
    if (sent == 0) {
      // The realtime half may have arrived already: the callback reports it.
      delete ticket;
      join->arrive(Status::out_of_memory, "out of memory while flushing");
      return Status::ok;
    }
    // Some barriers are on their way: the callback reports the failure.
    for (; sent < streams; ++sent) ticket->count_down(Status::out_of_memory, "out of memory while flushing");
  }
  return Status::ok;
}

}  // namespace simingest
