#include "subscription.hpp"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "query_spec.hpp"
#include "simingest.h"
#include "simingest_error.hpp"

namespace simingest_node {
namespace {

constexpr uint32_t kMaxInFlight = 1024;

struct ColumnCopy {
  std::string name;
  simingest_dtype dtype = SIMINGEST_FLOAT64;
  bool scalar = false;
  size_t length = 0;
  std::vector<uint8_t> bytes;
};

// One frame (or the end) on its way to the JavaScript thread.
struct Event {
  bool end = false;
  simingest_status status = SIMINGEST_OK;
  std::string message;
  std::string stream;
  int64_t step = 0;
  double time = 0;
  uint64_t dropped_before = 0;
  std::vector<ColumnCopy> columns;
};

struct State;
void Deliver(Napi::Env env, Napi::Function emit, State* state, Event* event);
using Channel = Napi::TypedThreadSafeFunction<State, Event, Deliver>;

struct State {
  Channel channel;
  std::atomic<uint32_t> in_flight{0};
  uint64_t dropped_here = 0;  // delivery thread only
};

// What JavaScript holds: the C handle, until unsubscribe() or collection.
struct Handle {
  simingest_subscription* subscription = nullptr;
};

size_t dtype_width(simingest_dtype dtype) {
  switch (dtype) {
    case SIMINGEST_INT8: case SIMINGEST_UINT8: return 1;
    case SIMINGEST_INT16: case SIMINGEST_UINT16: return 2;
    case SIMINGEST_FLOAT32: case SIMINGEST_INT32: case SIMINGEST_UINT32: return 4;
    default: return 8;
  }
}

Napi::Value TypedArrayOf(Napi::Env env, const ColumnCopy& c) {
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, c.bytes.size());
  if (!c.bytes.empty()) std::memcpy(buffer.Data(), c.bytes.data(), c.bytes.size());
  const size_t n = c.bytes.size() / dtype_width(c.dtype);
  switch (c.dtype) {
    case SIMINGEST_FLOAT32: return Napi::Float32Array::New(env, n, buffer, 0);
    case SIMINGEST_FLOAT64: return Napi::Float64Array::New(env, n, buffer, 0);
    case SIMINGEST_INT8: return Napi::Int8Array::New(env, n, buffer, 0);
    case SIMINGEST_INT16: return Napi::Int16Array::New(env, n, buffer, 0);
    case SIMINGEST_INT32: return Napi::Int32Array::New(env, n, buffer, 0);
    case SIMINGEST_INT64: return Napi::BigInt64Array::New(env, n, buffer, 0);
    case SIMINGEST_UINT8: return Napi::Uint8Array::New(env, n, buffer, 0);
    case SIMINGEST_UINT16: return Napi::Uint16Array::New(env, n, buffer, 0);
    case SIMINGEST_UINT32: return Napi::Uint32Array::New(env, n, buffer, 0);
    default: return Napi::BigUint64Array::New(env, n, buffer, 0);
  }
}

// A scalar column as the value itself: a number, or a bigint for 64-bit integers.
Napi::Value ScalarOf(Napi::Env env, const ColumnCopy& c) {
  const uint8_t* p = c.bytes.data();
  auto read = [p](auto value) { std::memcpy(&value, p, sizeof(value)); return value; };
  switch (c.dtype) {
    case SIMINGEST_FLOAT32: return Napi::Number::New(env, read(float{}));
    case SIMINGEST_FLOAT64: return Napi::Number::New(env, read(double{}));
    case SIMINGEST_INT8: return Napi::Number::New(env, read(int8_t{}));
    case SIMINGEST_INT16: return Napi::Number::New(env, read(int16_t{}));
    case SIMINGEST_INT32: return Napi::Number::New(env, read(int32_t{}));
    case SIMINGEST_INT64: return Napi::BigInt::New(env, read(int64_t{}));
    case SIMINGEST_UINT8: return Napi::Number::New(env, read(uint8_t{}));
    case SIMINGEST_UINT16: return Napi::Number::New(env, read(uint16_t{}));
    case SIMINGEST_UINT32: return Napi::Number::New(env, read(uint32_t{}));
    default: return Napi::BigInt::New(env, read(uint64_t{}));
  }
}

// JavaScript thread. Never throws: this is not a JavaScript call frame.
void Deliver(Napi::Env env, Napi::Function emit, State* state, Event* event) {
  if (!event->end) state->in_flight.fetch_sub(1, std::memory_order_acq_rel);
  if (env == nullptr) {
    delete event;
    return;
  }
  try {
    Napi::HandleScope scope(env);
    if (event->end) {
      // Unsubscribing or closing the ingestor ends the loop normally; a disconnect is an error.
      const bool normal = event->status == SIMINGEST_OK || event->status == SIMINGEST_ERR_CLOSED;
      Napi::Value error = normal ? env.Null() : MakeError(env, event->status, event->message);
      emit.Call({env.Null(), error});
    } else {
      Napi::Object frame = Napi::Object::New(env);
      frame.Set("stream", event->stream);
      frame.Set("step", Napi::Number::New(env, static_cast<double>(event->step)));
      frame.Set("time", event->time);
      frame.Set("droppedBefore", Napi::Number::New(env, static_cast<double>(event->dropped_before)));
      Napi::Object columns = Napi::Object::New(env);
      for (const auto& c : event->columns) columns.Set(c.name, c.scalar ? ScalarOf(env, c) : TypedArrayOf(env, c));
      frame.Set("columns", columns);
      emit.Call({frame});
    }
  } catch (...) {
    // The iterator's emit does not throw; a failure here is a dying environment.
  }
  delete event;
}

void Finalize(Napi::Env, void*, State* state) { delete state; }

// The engine's delivery thread (or, for the end after unsubscribe, the
// JavaScript thread inside simingest_unsubscribe).
int OnFrame(void* user, const simingest_subscription_frame* frame, simingest_status status, const char* message) {
  auto* state = static_cast<State*>(user);
  if (frame == nullptr) {
    auto* event = new (std::nothrow) Event();
    if (event != nullptr) {
      event->end = true;
      event->status = status;
      try {
        event->message = message;
      } catch (...) {
      }
      if (state->channel.NonBlockingCall(event) != napi_ok) delete event;
    }
    state->channel.Release();  // the last post: its finalizer frees the state
    return 0;
  }
  if (state->in_flight.load(std::memory_order_acquire) >= kMaxInFlight) {
    state->dropped_here += 1 + frame->dropped_before;  // JavaScript is behind: drop, count the gap
    return 0;
  }
  try {
    auto* event = new Event();
    event->stream = frame->stream;
    event->step = frame->step;
    event->time = frame->time;
    event->dropped_before = frame->dropped_before + state->dropped_here;
    event->columns.resize(frame->ncolumns);
    for (size_t j = 0; j < frame->ncolumns; ++j) {
      const simingest_column& c = frame->columns[j];
      ColumnCopy& copy = event->columns[j];
      copy.name = c.name;
      copy.dtype = c.dtype;
      copy.scalar = c.length == SIMINGEST_SCALAR;
      const size_t bytes = (copy.scalar ? 1 : c.length) * dtype_width(c.dtype);
      const auto* data = static_cast<const uint8_t*>(c.data);
      if (bytes != 0) copy.bytes.assign(data, data + bytes);
    }
    state->in_flight.fetch_add(1, std::memory_order_acq_rel);
    if (state->channel.NonBlockingCall(event) != napi_ok) {
      state->in_flight.fetch_sub(1, std::memory_order_acq_rel);
      delete event;
      return 0;
    }
    state->dropped_here = 0;
  } catch (...) {
    state->dropped_here += 1 + frame->dropped_before;  // out of memory: this frame is a gap
  }
  return 0;
}

void FinalizeHandle(Napi::Env, Handle* handle) {
  // Collected without unsubscribe(): end it now (the JavaScript thread, never the delivery thread).
  if (handle->subscription != nullptr) simingest_unsubscribe(&handle->subscription);
  delete handle;
}

}  // namespace

namespace {

// What the two entry points share: the options, the channel, the handle.
// `start` makes the C subscription and, on failure, returns its message.
template <typename Start>
Napi::Value SubscribeWith(Napi::Env env, const Napi::CallbackInfo& info, Start&& start) {
  const std::string stream = StreamArgument(env, info[0]);
  simingest_subscribe_options options = SIMINGEST_SUBSCRIBE_OPTIONS_INIT;
  if (info.Length() > 1 && info[1].IsNumber()) {
    options.has_from_step = 1;
    options.from_step = info[1].As<Napi::Number>().Int64Value();
  }
  if (info.Length() < 3 || !info[2].IsFunction())
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "subscribe(stream, fromStep, emit) expects a function");
  // Optional, checked in lib/subscription.ts; the engine checks the range and names it.
  if (info.Length() > 3 && info[3].IsNumber()) options.queue_frames = static_cast<size_t>(info[3].As<Napi::Number>().Int64Value());
  if (info.Length() > 4 && info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value())
    options.policy = SIMINGEST_SUBSCRIBE_DISCONNECT;
  auto* state = new State();
  try {
    state->channel = Channel::New(env, info[2].As<Napi::Function>(), "simingest.subscription", 0, 1, state,
                                  &Finalize, static_cast<void*>(nullptr));
  } catch (...) {
    delete state;
    throw;
  }
  simingest_subscription* subscription = nullptr;
  std::string message;
  const simingest_status status = start(stream, options, state, subscription, message);
  if (status != SIMINGEST_OK) {
    state->channel.Release();  // nothing was posted (a failed subscribe makes no end call): the finalizer frees the state
    ThrowError(env, status, message);
  }
  auto* handle = new Handle{subscription};
  return Napi::External<Handle>::New(env, handle, &FinalizeHandle);
}

}  // namespace

Napi::Value Subscribe(Napi::Env env, simingest_ingestor* ingestor, const Napi::CallbackInfo& info) {
  return SubscribeWith(env, info, [&](const std::string& stream, const simingest_subscribe_options& options,
                                      State* state, simingest_subscription*& out, std::string& message) {
    const simingest_status status = simingest_subscribe(ingestor, stream.c_str(), &options, &OnFrame, state, &out);
    if (status != SIMINGEST_OK) message = LastError(ingestor, status);
    return status;
  });
}

Napi::Value SubscribeDataset(Napi::Env env, simingest_dataset* dataset, const Napi::CallbackInfo& info) {
  return SubscribeWith(env, info, [&](const std::string& stream, const simingest_subscribe_options& options,
                                      State* state, simingest_subscription*& out, std::string& message) {
    const simingest_status status =
        simingest_dataset_subscribe(dataset, stream.c_str(), &options, &OnFrame, state, &out);
    if (status != SIMINGEST_OK) message = simingest_dataset_last_error(dataset);
    return status;
  });
}

Napi::Value Unsubscribe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsExternal())
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "unsubscribe(handle) expects a subscription handle");
  Handle* handle = info[0].As<Napi::External<Handle>>().Data();
  const simingest_status status = simingest_unsubscribe(&handle->subscription);
  if (status != SIMINGEST_OK) ThrowError(env, status, simingest_last_error(nullptr));
  return env.Undefined();
}

}  // namespace simingest_node
