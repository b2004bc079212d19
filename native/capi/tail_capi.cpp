// The C ABI of subscriptions from another process: simingest_dataset_subscribe
// follows a stream's realtime log on disk (query/log_tail.hpp). The handle
// and simingest_unsubscribe are the in-process subscription's.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "capi_support.hpp"
#include "dataset_handle.hpp"
#include "query/log_tail.hpp"
#include "simingest.h"
#include "subscription_handle.hpp"

namespace {

using simingest::Status;
using simingest::capi::fail;
using simingest::capi::guarded;
using simingest::capi::subscribe_options_size_message;
using simingest::capi::succeed;
using simingest::query::TailOptions;

// SIMINGEST_TAIL_POLL_MS=<n>: poll every n ms instead of inotify (file
// systems whose remote writers inotify cannot see, such as NFS; tests).
void apply_environment(TailOptions& options) {
  const char* poll = std::getenv("SIMINGEST_TAIL_POLL_MS");
  if (poll == nullptr || *poll == '\0') return;
  char* end = nullptr;
  const long ms = std::strtol(poll, &end, 10);
  if (*end != '\0' || ms < 1 || ms > 60000) return;  // not a number of ms: keep inotify
  options.prefer_inotify = false;
  options.poll_interval = std::chrono::milliseconds(ms);
}

}  // namespace

extern "C" {

simingest_status simingest_dataset_subscribe(simingest_dataset* dataset, const char* stream,
                                             const simingest_subscribe_options* options,
                                             simingest_subscription_callback callback, void* user_data,
                                             simingest_subscription** out) {
  if (dataset == nullptr) return fail(dataset, Status::invalid_argument, "subscribe: dataset is NULL");
  if (stream == nullptr) return fail(dataset, Status::invalid_argument, "subscribe: stream is NULL");
  if (out == nullptr) return fail(dataset, Status::invalid_argument, "subscribe: out is NULL");
  if (callback == nullptr) return fail(dataset, Status::invalid_argument, "subscribe: callback is NULL");
  return guarded(dataset, [&] {
    if (options != nullptr && options->struct_size != sizeof(simingest_subscribe_options))
      return fail(dataset, Status::invalid_argument, subscribe_options_size_message(options->struct_size));
    TailOptions tail;
    if (options != nullptr && options->has_from_step != 0) {
      tail.has_from_step = true;
      tail.from_step = options->from_step;
    }
    apply_environment(tail);
    // The stream's configuration now (unknown_stream if the dataset has none).
    simingest::StreamConfig config;
    try {
      config = dataset->reader->stream_config(stream);
    } catch (const simingest::Error& e) {
      std::string message = e.what();
      if (message.rfind("query: ", 0) == 0) message.replace(0, 7, "subscribe: ");  // the reader speaks for queries
      return fail(dataset, e.status(), std::move(message));
    }
    auto handle = std::make_unique<simingest_subscription>();
    handle->tail = std::make_unique<simingest::query::LogTail>(dataset->reader->root(), config, tail, callback,
                                                               user_data);
    *out = handle.release();
    return succeed();
  });
}

}  // extern "C"
