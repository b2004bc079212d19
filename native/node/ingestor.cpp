#include "ingestor.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "frame_values.hpp"
#include "query_spec.hpp"
#include "query_stream.hpp"
#include "simingest_error.hpp"
#include "subscription.hpp"

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

}  // namespace

// ---- completions -----------------------------------------------------------

void SettleCompletion(Napi::Env env, Napi::Function, Ingestor* owner, Completion* done) {
  if (env == nullptr) {  // the environment is going away: nobody to tell
    delete done;
    return;
  }
  if (done->kind == Completion::Kind::close) {
    // Every other engine callback was posted before this one (see
    // ingestor.hpp): the channel is idle now. Joins the closing thread,
    // which has returned or is returning from OnDone.
    simingest_close(&owner->handle_);
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
                         InstanceMethod<&Ingestor::SetScalarPlan>("setScalarPlan"),
                         InstanceMethod<&Ingestor::IngestPlanned>("ingestPlanned"),
                         InstanceMethod<&Ingestor::WaitForRoom>("waitForRoom"),
                         InstanceMethod<&Ingestor::Flush>("flush"),
                         InstanceMethod<&Ingestor::Close>("close"),
                         InstanceMethod<&Ingestor::StatsJson>("statsJson"),
                         InstanceMethod<&Ingestor::CheckpointJson>("checkpointJson"),
                         InstanceMethod<&Ingestor::IsClosed>("isClosed"),
                         InstanceMethod<&Ingestor::Query>("query"),
                         InstanceMethod<&Ingestor::Subscribe>("subscribe"),
                         InstanceMethod<&Ingestor::FrameBegin>("frameBegin"),
                         StaticMethod<&Ingestor::Open>("open"),
                     });
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
  ReclaimLoans();  // before the engine takes their buffers back
  if (handle_ != nullptr) simingest_close(&handle_);
  if (!channel_released_) {
    teardown_hook_.Remove(Env());
    tsfn_.Release();
  }
}

void Ingestor::CloseAtTeardown(Ingestor* self) {
  self->torn_down_ = true;
  // JavaScript is gone: nothing can touch the loans' arrays any more; only
  // their owner pointer must not outlive this.
  for (LoanState* loan = self->loans_; loan != nullptr; loan = loan->next) {
    loan->owner = nullptr;
    loan->reclaimed = true;
  }
  self->loans_ = nullptr;
  // Pending flushes and rooms are called back (posted to the channel, which
  // Node frees right after this hook) and every engine thread is joined
  // before this returns; a close in progress is waited for.
  if (self->handle_ != nullptr) simingest_close(&self->handle_);
}

simingest_ingestor* Ingestor::HandleForAppender(Napi::Env env, Napi::Object object) {
  Ingestor* self = Unwrap(object);
  if (self == nullptr) ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "appender: not an ingestor");
  self->ThrowIfClosed(env);
  return self->handle_;
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

template <typename Start>
Napi::Value Ingestor::Register(Napi::Env env, Completion::Kind kind, Start&& start) {
  auto* done = new Completion(env, kind, this);
  Napi::Promise promise = done->deferred.Promise();
  BeginPending(env);
  const simingest_status status = start(done);
  if (status != SIMINGEST_OK) {  // refused: the engine will never call back
    const std::string message = LastError(handle_, status);
    delete done;
    EndPending(env);
    ThrowError(env, status, message);
  }
  return promise;
}

void Ingestor::Post(Completion* done) {
  // Only reached while the channel is held (see ingestor.hpp); a failure here
  // means the environment is going away and the completion is dropped.
  if (done->owner->tsfn_.NonBlockingCall(done) != napi_ok) delete done;
}

void Ingestor::OnDone(void* user_data, simingest_status status, const char* message) {
  auto* done = static_cast<Completion*>(user_data);
  done->status = status;
  try {
    done->message = message;
  } catch (...) {  // out of memory: the status still names the failure
    done->message = simingest_status_string(status);
  }
  Post(done);
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
  Post(done);
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
  return Register(env, Completion::Kind::room, [&](Completion* done) {
    done->bytes = static_cast<size_t>(bytes);
    return simingest_notify_room(handle_, done->bytes, &Ingestor::OnRoom, done);
  });
}

Napi::Value Ingestor::Flush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  return Register(env, Completion::Kind::flush,
                  [&](Completion* done) { return simingest_flush_async(handle_, &Ingestor::OnDone, done); });
}

Napi::Value Ingestor::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  closing_ = true;
  ReclaimLoans();
  try {
    return Register(env, Completion::Kind::close,
                    [&](Completion* done) { return simingest_close_async(handle_, &Ingestor::OnDone, done); });
  } catch (...) {
    closing_ = false;  // nothing was closed: close() may be tried again
    throw;
  }
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

Napi::Value Ingestor::Query(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  const std::string stream = StreamArgument(env, info[0]);
  QuerySpecArgs spec;
  ReadQuerySpec(env, info[1], &spec);
  ArrowArrayStream out{};
  const simingest_status status = simingest_query(handle_, stream.c_str(), &spec.spec, &out);
  if (status != SIMINGEST_OK) ThrowError(env, status, LastError(handle_, status));
  return QueryStream::Wrap(env, &out);
}

Napi::Value Ingestor::Subscribe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  return simingest_node::Subscribe(env, handle_, info);
}

Napi::Value Ingestor::FrameBegin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  return LoanedFrame::Begin(env, this, Value(), handle_, info);
}

void Ingestor::AdoptLoan(LoanState* loan) {
  loan->owner = this;
  loan->prev = nullptr;
  loan->next = loans_;
  if (loans_ != nullptr) loans_->prev = loan;
  loans_ = loan;
}

void Ingestor::ForgetLoan(LoanState* loan) {
  if (loan->prev != nullptr) loan->prev->next = loan->next;
  else loans_ = loan->next;
  if (loan->next != nullptr) loan->next->prev = loan->prev;
  loan->prev = loan->next = nullptr;
}

void Ingestor::ReclaimLoans() {
  while (loans_ != nullptr) {
    LoanState* loan = loans_;
    loan->reclaimed = true;
    loan->DetachAll();  // leaves the list
  }
}

Napi::Value Ingestor::IsClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), closing_);
}

}  // namespace simingest_node
