// The C ABI of in-process subscriptions: argument checks and the handle.
// The queues and the delivery thread are pipeline/subscriptions.cpp.
#include <memory>
#include <string>

#include "capi_support.hpp"
#include "core/c_enum.hpp"
#include "pipeline/subscriptions.hpp"
#include "simingest.h"
#include "subscription_handle.hpp"

namespace {

using simingest::Status;
using simingest::c_enum_value;
using simingest::capi::check_usable;
using simingest::capi::fail;
using simingest::capi::guarded;
using simingest::capi::subscribe_options_size_message;
using simingest::capi::succeed;
using simingest::pipeline::SubscribeOptions;

// The options as given, or a status and message naming the bad field.
simingest_status read_options(simingest_ingestor* handle, const simingest_subscribe_options* given,
                              SubscribeOptions& options) {
  if (given == nullptr) return SIMINGEST_OK;
  if (given->struct_size != sizeof(simingest_subscribe_options))
    return fail(handle, Status::invalid_argument, subscribe_options_size_message(given->struct_size));
  if (given->queue_frames > SubscribeOptions::kMaxQueueFrames)
    return fail(handle, Status::invalid_argument,
                "subscribe: options.queue_frames is " + std::to_string(given->queue_frames) + " but at most " +
                    std::to_string(SubscribeOptions::kMaxQueueFrames) + " frames may be queued");
  const int32_t policy = c_enum_value(given->policy);
  if (policy != SIMINGEST_SUBSCRIBE_DROP_OLDEST && policy != SIMINGEST_SUBSCRIBE_DISCONNECT)
    return fail(handle, Status::invalid_argument,
                "subscribe: options.policy is " + std::to_string(policy) +
                    " but must be SIMINGEST_SUBSCRIBE_DROP_OLDEST (0) or SIMINGEST_SUBSCRIBE_DISCONNECT (1)");
  options.queue_frames = given->queue_frames == 0 ? SubscribeOptions::kDefaultQueueFrames : given->queue_frames;
  options.disconnect = policy == SIMINGEST_SUBSCRIBE_DISCONNECT;
  options.has_from_step = given->has_from_step != 0;
  options.from_step = given->from_step;
  return SIMINGEST_OK;
}

}  // namespace

extern "C" {

simingest_status simingest_subscribe(simingest_ingestor* ingestor, const char* stream,
                                     const simingest_subscribe_options* options,
                                     simingest_subscription_callback callback, void* user_data,
                                     simingest_subscription** out) {
  if (const simingest_status refused = check_usable(ingestor)) return refused;
  if (out == nullptr) return fail(ingestor, Status::invalid_argument, "subscribe: out is NULL");
  if (callback == nullptr) return fail(ingestor, Status::invalid_argument, "subscribe: callback is NULL");
  return guarded(ingestor, [&] {
    SubscribeOptions parsed;
    if (const simingest_status bad = read_options(ingestor, options, parsed)) return bad;
    auto handle = std::make_unique<simingest_subscription>();
    std::string message;
    const Status status = ingestor->engine->subscribe(stream, parsed, callback, user_data, handle->subscription,
                                                      message);
    if (status != Status::ok) return fail(ingestor, status, std::move(message));
    *out = handle.release();
    return succeed();
  });
}

simingest_status simingest_unsubscribe(simingest_subscription** subscription) {
  if (subscription == nullptr || *subscription == nullptr)
    return fail(nullptr, Status::invalid_argument,
                "unsubscribe: the subscription is NULL (already unsubscribed?)");
  std::string message;
  simingest_subscription& handle = **subscription;
  const Status status = handle.tail ? handle.tail->cancel(message) : handle.subscription->cancel(message);
  if (status != Status::ok) return fail(nullptr, status, std::move(message));
  delete *subscription;
  *subscription = nullptr;
  return succeed();
}

}  // extern "C"
