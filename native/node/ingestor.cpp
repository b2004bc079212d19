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

#include "frame_values.hpp"
#include "simingest_error.hpp"

namespace simingest_node {
namespace {

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
  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::string config_json = info[1].As<Napi::String>().Utf8Value();
  // C strings to the engine: a NUL would end them early (lib/ingestor.ts checks the path first).
  if (path.find('\0') != std::string::npos || config_json.find('\0') != std::string::npos) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "open(path, configJson): contains a NUL byte");
  }
  auto* job = new OpenJob(env);
  job->path = std::move(path);
  job->config_json = std::move(config_json);
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
