#include "ingestor.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "simingest_error.hpp"

namespace simingest_node {
namespace {

std::string LastError(const simingest_ingestor* handle, simingest_status status) {
  const char* message = simingest_last_error(handle);
  if (message != nullptr && message[0] != '\0') return message;
  return simingest_status_string(status);
}

// The element type a typed array really has; a DataView or Uint8ClampedArray
// has none the engine knows.
bool DtypeOfTypedArray(napi_typedarray_type type, simingest_dtype* out) {
  switch (type) {
    case napi_float32_array: *out = SIMINGEST_FLOAT32; return true;
    case napi_float64_array: *out = SIMINGEST_FLOAT64; return true;
    case napi_int8_array: *out = SIMINGEST_INT8; return true;
    case napi_int16_array: *out = SIMINGEST_INT16; return true;
    case napi_int32_array: *out = SIMINGEST_INT32; return true;
    case napi_bigint64_array: *out = SIMINGEST_INT64; return true;
    case napi_uint8_array: *out = SIMINGEST_UINT8; return true;
    case napi_uint16_array: *out = SIMINGEST_UINT16; return true;
    case napi_uint32_array: *out = SIMINGEST_UINT32; return true;
    case napi_biguint64_array: *out = SIMINGEST_UINT64; return true;
    default: return false;
  }
}

// Converting an out-of-range double to an integer is undefined behaviour, so
// the range is checked here even though TypeScript checked it first.
bool IntegralInRange(double v, double lo, double hi) {
  return std::isfinite(v) && std::trunc(v) == v && v >= lo && v <= hi;
}

bool FillScalar(Napi::Value value, simingest_dtype dtype, ScalarSlot* slot) {
  if (value.IsBigInt()) {
    bool lossless = false;
    if (dtype == SIMINGEST_INT64) {
      slot->i64 = value.As<Napi::BigInt>().Int64Value(&lossless);
      return lossless;
    }
    if (dtype == SIMINGEST_UINT64) {
      slot->u64 = value.As<Napi::BigInt>().Uint64Value(&lossless);
      return lossless;
    }
    return false;
  }
  if (!value.IsNumber()) return false;
  const double v = value.As<Napi::Number>().DoubleValue();
  switch (dtype) {
    case SIMINGEST_FLOAT32: slot->f32 = static_cast<float>(v); return true;
    case SIMINGEST_FLOAT64: slot->f64 = v; return true;
    case SIMINGEST_INT8:
      if (!IntegralInRange(v, INT8_MIN, INT8_MAX)) return false;
      slot->i8 = static_cast<int8_t>(v); return true;
    case SIMINGEST_INT16:
      if (!IntegralInRange(v, INT16_MIN, INT16_MAX)) return false;
      slot->i16 = static_cast<int16_t>(v); return true;
    case SIMINGEST_INT32:
      if (!IntegralInRange(v, INT32_MIN, INT32_MAX)) return false;
      slot->i32 = static_cast<int32_t>(v); return true;
    case SIMINGEST_UINT8:
      if (!IntegralInRange(v, 0, UINT8_MAX)) return false;
      slot->u8 = static_cast<uint8_t>(v); return true;
    case SIMINGEST_UINT16:
      if (!IntegralInRange(v, 0, UINT16_MAX)) return false;
      slot->u16 = static_cast<uint16_t>(v); return true;
    case SIMINGEST_UINT32:
      if (!IntegralInRange(v, 0, UINT32_MAX)) return false;
      slot->u32 = static_cast<uint32_t>(v); return true;
    case SIMINGEST_INT64:
      if (!IntegralInRange(v, -9007199254740991.0, 9007199254740991.0)) return false;
      slot->i64 = static_cast<int64_t>(v); return true;
    case SIMINGEST_UINT64:
      if (!IntegralInRange(v, 0, 9007199254740991.0)) return false;
      slot->u64 = static_cast<uint64_t>(v); return true;
  }
  return false;
}

int64_t StepArgument(Napi::Env env, Napi::Value value) {
  if (value.IsBigInt()) {
    bool lossless = false;
    const int64_t step = value.As<Napi::BigInt>().Int64Value(&lossless);
    if (lossless) return step;
  } else if (value.IsNumber()) {
    const double v = value.As<Napi::Number>().DoubleValue();
    if (IntegralInRange(v, -9007199254740991.0, 9007199254740991.0)) return static_cast<int64_t>(v);
  }
  ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "step must be an integer within int64");
}

// Napi::String::Utf8Value() allocates a new std::string each call; this
// writes into `out`, keeping its capacity, and measures only when the text
// might not have fit. V8 never splits a character, so a truncated copy can
// stop up to 3 bytes short of the buffer: anything within 4 bytes of full is
// read again at its measured length.
void CopyUtf8(Napi::Env env, napi_value value, std::string* out) {
  if (out->capacity() < 32) out->reserve(32);
  out->resize(out->capacity());
  size_t written = 0;
  NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf8(env, value, out->data(), out->size() + 1, &written));
  if (written + 4 > out->size()) {
    size_t length = 0;
    NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf8(env, value, nullptr, 0, &length));
    out->resize(length);
    NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf8(env, value, out->data(), length + 1, &written));
  }
  out->resize(written);
}

// Resolves (OK) or rejects a promise from a thread-safe-function callback.
// Never throws: those callbacks are not JavaScript calls, so a C++ exception
// leaving one ends in std::terminate. Settling fails only where JavaScript can
// no longer run (a Worker being terminated calls the channel once more while
// it drains it) and nobody can observe the promise then, so the failure is
// dropped; the caller's bookkeeping after it must still happen.
void SettleDeferred(Napi::Env env, const Napi::Promise::Deferred& deferred, simingest_status status,
                    const std::string& message) noexcept {
  try {
    Napi::HandleScope scope(env);
    if (status == SIMINGEST_OK) {
      deferred.Resolve(env.Undefined());
    } else {
      deferred.Reject(MakeError(env, status, message));
    }
  } catch (...) {
  }
}

// Starts `body` on a std::thread of its own. A process out of threads or
// memory makes std::thread throw; `undo` then takes back what the caller set
// up for the thread (so nothing stays pending and keeps the process alive) and
// the failure reaches JavaScript as ERR_OUT_OF_MEMORY.
template <typename Body, typename Undo>
void StartThread(Napi::Env env, const char* what, std::thread* thread, Body&& body, Undo&& undo) {
  try {
    *thread = std::thread(std::forward<Body>(body));
  } catch (const std::exception& error) {
    undo();
    ThrowError(env, SIMINGEST_ERR_OUT_OF_MEMORY, std::string("cannot start a thread for ") + what + ": " + error.what());
  }
}

// ---- open ------------------------------------------------------------------

struct OpenJob;
void SettleOpen(Napi::Env env, Napi::Function unused, std::nullptr_t* context, OpenJob* job);
using OpenChannel = Napi::TypedThreadSafeFunction<std::nullptr_t, OpenJob, SettleOpen>;

struct OpenJob {
  explicit OpenJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise::Deferred deferred;
  std::string path;
  std::string config_json;
  simingest_ingestor* handle = nullptr;
  simingest_status status = SIMINGEST_OK;
  std::string message;
  std::thread thread;
  OpenChannel channel;
  Napi::Env::CleanupHook<void (*)(OpenJob*), OpenJob> teardown_hook;
  bool torn_down = false;
};

// Teardown while an open is in flight: wait for the thread so it is done with
// the channel before Node frees it; SettleOpen (env == nullptr) or nobody
// then disposes of the handle.
void JoinOpenAtTeardown(OpenJob* job) {
  job->torn_down = true;
  if (job->thread.joinable()) job->thread.join();
}

void SettleOpen(Napi::Env env, Napi::Function, std::nullptr_t*, OpenJob* job) {
  // The thread has posted; joined even at teardown (see ingestor.hpp).
  if (job->thread.joinable()) job->thread.join();
  if (env == nullptr) {
    simingest_close(&job->handle);
    delete job;
    return;
  }
  if (!job->torn_down) job->teardown_hook.Remove(env);
  if (job->status != SIMINGEST_OK) {
    SettleDeferred(env, job->deferred, job->status, job->message);
  } else {
    // The constructor takes the handle out of `job->handle` (see Ingestor's
    // constructor); if the object cannot be made (a Worker terminated while
    // the open ran), the handle is still here and is closed below, which
    // releases the dataset lock instead of holding it until the process ends.
    try {
      Napi::HandleScope scope(env);
      AddonData* data = env.GetInstanceData<AddonData>();
      Napi::Value wrapped =
          data->ingestor_class.New({Napi::External<simingest_ingestor*>::New(env, &job->handle)});
      job->deferred.Resolve(wrapped);
    } catch (const Napi::Error& error) {
      // Where JavaScript still runs, open() rejects with what failed.
      try {
        job->deferred.Reject(error.Value());
      } catch (...) {  // see SettleDeferred
      }
    } catch (...) {  // see SettleDeferred
    }
  }
  simingest_close(&job->handle);
  delete job;
}

}  // namespace

// ---- completions -----------------------------------------------------------

void SettleCompletion(Napi::Env env, Napi::Function, Ingestor* owner, Completion* done) {
  // Joined even at teardown (env == nullptr): the thread has posted and only
  // has to return, and Node may unload the addon's code right after.
  if (done->thread.joinable()) done->thread.join();
  if (env == nullptr) {  // the environment is going away: nobody to tell
    delete done;
    return;
  }
  if (done->kind == Completion::Kind::close) {
    // Every engine callback was posted before simingest_close returned, and
    // every flush thread posted before it began (the close thread waits for
    // them): the channel is idle now.
    if (!owner->torn_down_) owner->teardown_hook_.Remove(env);
    owner->tsfn_.Release();
    owner->channel_released_ = true;
  }
  SettleDeferred(env, done->deferred, done->status, done->message);
  delete done;
  try {
    owner->EndPending(env);
  } catch (...) {  // see SettleDeferred
  }
}

// ---- Ingestor ----------------------------------------------------------------

Napi::Function Ingestor::Define(Napi::Env env) {
  return DefineClass(env, "NativeIngestor",
                     {
                         InstanceMethod<&Ingestor::IngestNowait>("ingestNowait"),
                         InstanceMethod<&Ingestor::WaitForRoom>("waitForRoom"),
                         InstanceMethod<&Ingestor::Flush>("flush"),
                         InstanceMethod<&Ingestor::Close>("close"),
                         InstanceMethod<&Ingestor::StatsJson>("statsJson"),
                         InstanceMethod<&Ingestor::CheckpointJson>("checkpointJson"),
                         InstanceMethod<&Ingestor::IsClosed>("isClosed"),
                         StaticMethod<&Ingestor::Open>("open"),
                     });
}

Napi::Value Ingestor::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "open(path, configJson) expects two strings");
  }
  auto* job = new OpenJob(env);
  job->path = info[0].As<Napi::String>().Utf8Value();
  job->config_json = info[1].As<Napi::String>().Utf8Value();
  Napi::Promise promise = job->deferred.Promise();
  job->channel = OpenChannel::New(env, "simingest.open", 0, 1);
  // Registered after the channel, so it runs before the channel's own hook.
  job->teardown_hook = env.AddCleanupHook(&JoinOpenAtTeardown, job);
  auto undo = [env, job] {
    job->teardown_hook.Remove(env);
    job->channel.Release();
    delete job;
  };
  StartThread(env, "open()", &job->thread, [job] {
    char* error = nullptr;
    job->status = simingest_open(job->path.c_str(), job->config_json.c_str(), &job->handle, &error);
    if (job->status != SIMINGEST_OK) {
      job->message = error != nullptr ? error : simingest_status_string(job->status);
      simingest_free(error);
    }
    OpenChannel channel = job->channel;  // `job` may be gone once posted
    if (channel.NonBlockingCall(job) != napi_ok) simingest_close(&job->handle);
    channel.Release();
  }, undo);
  return promise;
}

Ingestor::Ingestor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Ingestor>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsExternal()) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT,
               "NativeIngestor cannot be constructed directly; use Ingestor.open()");
  }
  // Taken out of the open job at once: from here on this object owns it, and
  // a failure below closes it (the destructor does not run for an object
  // whose constructor threw).
  handle_ = std::exchange(*info[0].As<Napi::External<simingest_ingestor*>>().Data(), nullptr);
  try {
    tsfn_ = CompletionChannel::New(env, "simingest.completion", 0, 1, this);
    tsfn_.Unref(env);
  } catch (...) {
    if (static_cast<napi_threadsafe_function>(tsfn_) != nullptr) tsfn_.Release();
    simingest_close(&handle_);
    throw;
  }
  teardown_hook_ = env.AddCleanupHook(&Ingestor::CloseAtTeardown, this);
}

Ingestor::~Ingestor() {
  // Reached when the object is collected without close() (nothing can be
  // pending then: pending work keeps the object referenced) or at teardown.
  if (torn_down_) return;
  if (handle_ != nullptr) simingest_close(&handle_);
  if (!channel_released_) {
    teardown_hook_.Remove(Env());
    tsfn_.Release();
  }
}

void Ingestor::CloseAtTeardown(Ingestor* self) {
  self->torn_down_ = true;
  {
    std::unique_lock<std::shared_mutex> exclusive(self->lifecycle_);
    if (self->handle_ != nullptr) simingest_close(&self->handle_);
  }
  // Threads still to come find the handle gone and post ERR_CLOSED at once;
  // the channel they post to is freed by Node right after this hook.
  self->WaitForThreads(0);
}

void Ingestor::ThreadStarting() {
  std::lock_guard<std::mutex> lock(threads_mutex_);
  ++threads_;
}

void Ingestor::ThreadPosted() {
  std::lock_guard<std::mutex> lock(threads_mutex_);
  --threads_;
  threads_posted_.notify_all();
}

void Ingestor::WaitForThreads(unsigned at_most) {
  std::unique_lock<std::mutex> lock(threads_mutex_);
  threads_posted_.wait(lock, [&] { return threads_ <= at_most; });
}

void Ingestor::ThrowIfClosed(Napi::Env env) const {
  if (closing_) ThrowError(env, SIMINGEST_ERR_CLOSED, "the ingestor is closed");
}

void Ingestor::BeginPending(Napi::Env env) {
  if (pending_++ == 0) {
    tsfn_.Ref(env);
    Ref();
  }
}

void Ingestor::EndPending(Napi::Env env) {
  if (--pending_ == 0) {
    if (!channel_released_) tsfn_.Unref(env);
    Unref();
  }
}

Napi::Value Ingestor::IngestNowait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  if (info.Length() < 6 || !info[0].IsString() || !info[2].IsNumber() || !info[3].IsArray() ||
      !info[4].IsArray() || !info[5].IsArray()) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT,
               "ingestNowait(stream, step, time, names, dtypes, values) got bad arguments");
  }
  const int64_t step = StepArgument(env, info[1]);
  const double time = info[2].As<Napi::Number>().DoubleValue();
  Napi::Array names = info[3].As<Napi::Array>();
  Napi::Array dtypes = info[4].As<Napi::Array>();
  Napi::Array values = info[5].As<Napi::Array>();
  const uint32_t n = names.Length();
  if (dtypes.Length() != n || values.Length() != n) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "names, dtypes and values differ in length");
  }

  // The per-call buffers are members reused from call to call, so a small
  // frame costs no allocation here once they have grown. Nothing below runs
  // JavaScript (the arrays are plain ones built by lib/frame.ts), so no
  // nested call can reuse them while the engine reads them.
  CopyUtf8(env, info[0], &stream_text_);
  try {
    if (name_text_.size() < n) name_text_.resize(n);
    scalars_.resize(n);
    columns_.resize(n);
  } catch (const std::bad_alloc&) {  // a (sparse) array of billions of columns
    ThrowError(env, SIMINGEST_ERR_OUT_OF_MEMORY, "no memory for a frame of " + std::to_string(n) + " columns");
  }
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value name = names.Get(i);
    if (!name.IsString()) ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "column names must be strings");
    std::string& name_text = name_text_[i];
    CopyUtf8(env, name, &name_text);
    simingest_column& column = columns_[i];
    column.name = name_text.c_str();
    Napi::Value value = values.Get(i);
    if (value.IsTypedArray()) {
      // The C call, not Napi::TypedArray::ArrayBuffer(): it also serves typed
      // arrays over a SharedArrayBuffer, and `data` already includes the offset.
      napi_typedarray_type type;
      size_t length = 0;
      void* data = nullptr;
      napi_value buffer = nullptr;
      size_t offset = 0;
      NAPI_THROW_IF_FAILED(env, napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset),
                           env.Undefined());
      if (!DtypeOfTypedArray(type, &column.dtype)) {
        ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT,
                   "columns." + name_text + ": Uint8ClampedArray has no simingest dtype");
      }
      // A detached buffer reads as length 0 with a dangling offset; refuse it
      // rather than let it pass as an empty column.
      bool detached = false;
      if (napi_is_detached_arraybuffer(env, buffer, &detached) == napi_ok && detached) {
        ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT,
                   "columns." + name_text + ": the ArrayBuffer is detached");
      }
      column.length = length;
      column.data = length == 0 ? nullptr : data;
    } else {
      Napi::Value dtype = dtypes.Get(i);
      if (!dtype.IsNumber()) {
        ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT,
                   "columns." + name_text + ": a scalar needs its declared dtype");
      }
      column.dtype = static_cast<simingest_dtype>(dtype.As<Napi::Number>().Int32Value());
      if (!FillScalar(value, column.dtype, &scalars_[i])) {
        ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT,
                   "columns." + name_text + ": the scalar does not fit its dtype");
      }
      column.data = &scalars_[i];
      column.length = SIMINGEST_SCALAR;
    }
  }

  const simingest_status status =
      simingest_ingest_nowait(handle_, stream_text_.c_str(), step, time, columns_.data(), n);
  if (status == SIMINGEST_OK || status == SIMINGEST_WOULD_BLOCK) {
    return Napi::Number::New(env, static_cast<double>(status));
  }
  ThrowError(env, status, LastError(handle_, status));
}

void Ingestor::OnRoom(void* user_data, simingest_status status) {
  auto* done = static_cast<Completion*>(user_data);
  done->status = status;
  if (status == SIMINGEST_ERR_BACKPRESSURE) {
    done->message = "backpressure: " + std::to_string(done->bytes) +
                    " bytes of frame data found no room in memoryLimit within backpressure.timeoutMs";
  } else if (status == SIMINGEST_ERR_CLOSED) {
    done->message = "the ingestor closed while the frame waited for room";
  } else if (status != SIMINGEST_OK) {
    done->message = simingest_status_string(status);
  }
  // Only reached while the channel is held (see ingestor.hpp); a failure here
  // means the environment is going away and the completion is dropped.
  if (done->owner->tsfn_.NonBlockingCall(done) != napi_ok) delete done;
}

Napi::Value Ingestor::WaitForRoom(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  if (info.Length() < 1 || !info[0].IsNumber()) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "waitForRoom(bytes) expects a number");
  }
  const double bytes = info[0].As<Napi::Number>().DoubleValue();
  if (!IntegralInRange(bytes, 0, 9007199254740991.0)) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "waitForRoom(bytes) expects a byte count");
  }
  auto* done = new Completion(env, Completion::Kind::room, this);
  done->bytes = static_cast<size_t>(bytes);
  Napi::Promise promise = done->deferred.Promise();
  BeginPending(env);
  const simingest_status status = simingest_notify_room(handle_, done->bytes, &Ingestor::OnRoom, done);
  if (status != SIMINGEST_OK) {
    const std::string message = LastError(handle_, status);
    delete done;
    EndPending(env);
    ThrowError(env, status, message);
  }
  return promise;
}

Napi::Value Ingestor::Flush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  auto* done = new Completion(env, Completion::Kind::flush, this);
  Napi::Promise promise = done->deferred.Promise();
  BeginPending(env);
  ThreadStarting();
  auto undo = [this, env, done] {
    ThreadPosted();
    delete done;
    EndPending(env);
  };
  StartThread(env, "flush()", &done->thread, [this, done] {
    {
      std::shared_lock<std::shared_mutex> shared(lifecycle_);
      if (handle_ == nullptr) {  // closed at teardown meanwhile
        done->status = SIMINGEST_ERR_CLOSED;
        done->message = "the ingestor is closed";
      } else {
        done->status = simingest_flush(handle_);
        if (done->status != SIMINGEST_OK) done->message = LastError(handle_, done->status);
      }
      if (tsfn_.NonBlockingCall(done) != napi_ok) done->thread.detach(), delete done;
    }
    ThreadPosted();
  }, undo);
  return promise;
}

Napi::Value Ingestor::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  closing_ = true;
  auto* done = new Completion(env, Completion::Kind::close, this);
  Napi::Promise promise = done->deferred.Promise();
  BeginPending(env);
  ThreadStarting();
  auto undo = [this, env, done] {
    ThreadPosted();
    delete done;
    EndPending(env);
    closing_ = false;  // nothing was closed: close() may be tried again
  };
  StartThread(env, "close()", &done->thread, [this, done] {
    WaitForThreads(1);  // the flushes called before close() finish first
    {
      std::unique_lock<std::shared_mutex> exclusive(lifecycle_);
      if (handle_ != nullptr) {
        done->status = simingest_close(&handle_);
        // The handle is gone: a failed close leaves its message under NULL.
        if (done->status != SIMINGEST_OK) done->message = simingest_last_error(nullptr);
      }
      if (tsfn_.NonBlockingCall(done) != napi_ok) done->thread.detach(), delete done;
    }
    ThreadPosted();
  }, undo);
  return promise;
}

Napi::Value Ingestor::StatsJson(const Napi::CallbackInfo& info) {
  return JsonDocument(info.Env(), &simingest_stats_json);
}

Napi::Value Ingestor::CheckpointJson(const Napi::CallbackInfo& info) {
  return JsonDocument(info.Env(), &simingest_checkpoint);
}

Napi::Value Ingestor::JsonDocument(Napi::Env env, simingest_status (*function)(simingest_ingestor*, char**)) {
  ThrowIfClosed(env);
  char* json = nullptr;
  const simingest_status status = function(handle_, &json);
  if (status != SIMINGEST_OK) ThrowError(env, status, LastError(handle_, status));
  Napi::String text = Napi::String::New(env, json);
  simingest_free(json);
  return text;
}

Napi::Value Ingestor::IsClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), closing_);
}

}  // namespace simingest_node
