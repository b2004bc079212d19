// flush_async(): a flush whose completion is a callback instead of a wait.
// The barrier markers are the ones flush() sends; the ticket lives on the
// heap and calls back from the commit thread when its last stream commits.
#include <new>
#include <string>

#include "pipeline/engine_impl.hpp"

namespace simingest {

Status Engine::flush_async(simingest_completion_callback done, void* user, std::string& message) noexcept {
  Impl& impl = *impl_;
  if (impl.closed.load(std::memory_order_acquire)) {
    message = "the ingestor is closed";
    return Status::closed;
  }
  const int streams = static_cast<int>(impl.streams.size());  // at least one (config)
  pipeline::FlushTicket* ticket = nullptr;
  try {
    ticket = new pipeline::FlushTicket(streams, [done, user](Status status, const std::string& text) {
      done(user, static_cast<simingest_status>(status), text.c_str());
    });
  } catch (const std::bad_alloc&) {
    message = "out of memory";
    return Status::out_of_memory;
  }
  int sent = 0;
  try {
    for (auto& stream : impl.streams) {
      impl.admission.enqueue_marker(*stream, pipeline::Frame::Kind::barrier, ticket);
      ++sent;
    }
  } catch (...) {  // only std::bad_alloc: a marker's buffer
    if (sent == 0) {
      delete ticket;
      message = "out of memory";
      return Status::out_of_memory;
    }
    // Some barriers are on their way: the callback reports the failure.
    for (; sent < streams; ++sent) ticket->count_down(Status::out_of_memory, "out of memory while flushing");
  }
  return Status::ok;
}

}  // namespace simingest
