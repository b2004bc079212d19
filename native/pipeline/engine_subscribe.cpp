// Engine::subscribe: the checks of simingest_subscribe() before the
// subscription hub (subscriptions.hpp) takes the subscriber.
#include <new>

#include "pipeline/engine_impl.hpp"

namespace simingest {

Status Engine::subscribe(const char* stream_name, const pipeline::SubscribeOptions& options,
                         simingest_subscription_callback callback, void* user,
                         std::unique_ptr<pipeline::Subscription>& out, std::string& message) noexcept {
  try {
    Impl& impl = *impl_;
    if (impl.closed.load(std::memory_order_acquire)) {
      message = "the ingestor is closed";
      return Status::closed;
    }
    Status status = Status::ok;
    pipeline::StreamState* const stream = pipeline::lookup_stream(impl.stream_index, stream_name, status, message);
    if (stream == nullptr) return status;
    if (stream->config.route == StreamRoute::batch) {
      message = pipeline::stream_prefix(*stream) +
                "route is \"batch\": no frame reaches the realtime path, so there is nothing to subscribe to "
                "(set route \"realtime\" or \"both\")";
      return Status::invalid_argument;
    }
    out = impl.subscriptions->subscribe(*stream, options, callback, user);
    return Status::ok;
  } catch (const Error& e) {
    message = e.what();
    return e.status();
  } catch (const std::bad_alloc&) {
    message = "out of memory";
    return Status::out_of_memory;
  } catch (const std::exception& e) {
    message = std::string("internal error: ") + e.what();
    return Status::internal;
  }
}

}  // namespace simingest
