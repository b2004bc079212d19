// Engine::open_appender (ADR 0021): which streams take appended rows. A grid
// stream's frame is a whole grid, not a row; a stream routed realtime or
// both writes each frame as one record of one step, which a frame of rows
// with their own steps is not.
#include <new>

#include "core/names.hpp"
#include "pipeline/engine_impl.hpp"
#include "pipeline/frame_validation.hpp"

namespace simingest {

std::unique_ptr<pipeline::RowAppender> Engine::open_appender(const char* stream_name, Status& status,
                                                             std::string& message) noexcept {
  Impl& impl = *impl_;
  try {
    if (impl.closed.load(std::memory_order_acquire)) {
      status = Status::closed;
      message = "the ingestor is closed";
      return nullptr;
    }
    status = Status::ok;
    pipeline::StreamState* const stream = pipeline::lookup_stream(impl.stream_index, stream_name, status, message);
    if (stream == nullptr) return nullptr;
    const std::string prefix = "appender: " + pipeline::stream_prefix(*stream);
    if (!stream->config.grid.empty()) {
      status = Status::invalid_argument;
      message = prefix + "a stream with a grid takes whole frames, not rows";
      return nullptr;
    }
    if (stream->config.route != StreamRoute::batch) {
      status = Status::invalid_argument;
      message = prefix + "route \"" + std::string(stream->config.route == StreamRoute::realtime ? "realtime" : "both") +
                "\" writes a record per frame of one step; appended rows need route \"batch\"";
      return nullptr;
    }
    return std::make_unique<pipeline::RowAppender>(*stream, impl.admission);
  } catch (const std::bad_alloc&) {
    status = Status::out_of_memory;
    message = "appender: out of memory allocating its row buffer";
    return nullptr;
  } catch (const std::exception& e) {
    status = Status::internal;
    message = std::string("internal error: ") + e.what();
    return nullptr;
  }
}

}  // namespace simingest
