// Loaned frames for Node: typed arrays over engine memory, detached before the
// engine takes it back (the invariant is in loaned_frame.hpp).
#include "loaned_frame.hpp"

#include <string>

#include "frame_values.hpp"
#include "ingestor.hpp"
#include "simingest_error.hpp"

namespace simingest_node {
namespace {

Napi::Value TypedArrayOver(Napi::Env env, simingest_dtype dtype, Napi::ArrayBuffer buffer, size_t n) {
  switch (dtype) {
    case SIMINGEST_FLOAT32: return Napi::Float32Array::New(env, n, buffer, 0);
    case SIMINGEST_FLOAT64: return Napi::Float64Array::New(env, n, buffer, 0);
    case SIMINGEST_INT8: return Napi::Int8Array::New(env, n, buffer, 0);
    case SIMINGEST_INT16: return Napi::Int16Array::New(env, n, buffer, 0);
    case SIMINGEST_INT32: return Napi::Int32Array::New(env, n, buffer, 0);
    case SIMINGEST_INT64: return Napi::BigInt64Array::New(env, n, buffer, 0);
    case SIMINGEST_UINT8: return Napi::Uint8Array::New(env, n, buffer, 0);
    case SIMINGEST_UINT16: return Napi::Uint16Array::New(env, n, buffer, 0);
    case SIMINGEST_UINT32: return Napi::Uint32Array::New(env, n, buffer, 0);
    case SIMINGEST_UINT64: return Napi::BigUint64Array::New(env, n, buffer, 0);
  }
  return env.Undefined();
}

size_t DtypeBytes(simingest_dtype dtype) {
  switch (dtype) {
    case SIMINGEST_INT8: case SIMINGEST_UINT8: return 1;
    case SIMINGEST_INT16: case SIMINGEST_UINT16: return 2;
    case SIMINGEST_FLOAT32: case SIMINGEST_INT32: case SIMINGEST_UINT32: return 4;
    default: return 8;
  }
}

// The message of the frame's last failure on this thread: under its ingestor,
// or under NULL once that ingestor is closed.
std::string FrameError(const LoanState* state, simingest_status status) {
  std::string message = simingest_last_error(state->handle);
  if (message.empty()) message = simingest_last_error(nullptr);
  return message.empty() ? simingest_status_string(status) : message;
}

constexpr const char* kReclaimed =
    "loaned frame: its ingestor was closed, which reclaims the frame's buffers (its typed arrays are detached)";

}  // namespace

void LoanState::DetachAll() {
  for (auto& buffer : buffers)
    if (!buffer.IsEmpty()) {
      Napi::ArrayBuffer value = buffer.Value();
      if (!value.IsEmpty() && !value.IsDetached()) value.Detach();
    }
  buffers.clear();
  if (owner != nullptr) owner->ForgetLoan(this);
  owner = nullptr;
}

void LoanState::Release() {
  if (--refs > 0) return;
  simingest_frame_free(&frame);  // an open loan is given back and counted leaked
  delete this;
}

Napi::Function LoanedFrame::Define(Napi::Env env) {
  return DefineClass(env, "NativeLoanedFrame",
                     {
                         InstanceMethod<&LoanedFrame::Columns>("columns"),
                         InstanceMethod<&LoanedFrame::Column>("column"),
                         InstanceMethod<&LoanedFrame::Commit>("commit"),
                         InstanceMethod<&LoanedFrame::Abort>("abort"),
                     });
}

Napi::Value LoanedFrame::Begin(Napi::Env env, Ingestor* owner, Napi::Object owner_object, simingest_ingestor* handle,
                               const Napi::CallbackInfo& info) {
  if (info.Length() < 4 || !info[0].IsString() || !info[2].IsNumber() || !info[3].IsNumber())
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "frameBegin(stream, step, time, rows) got bad arguments");
  const std::string stream = info[0].As<Napi::String>().Utf8Value();
  const int64_t step = StepArgument(env, info[1]);
  const double time = info[2].As<Napi::Number>().DoubleValue();
  const int64_t rows = info[3].As<Napi::Number>().Int64Value();
  simingest_frame* frame = nullptr;
  const simingest_status status = simingest_frame_begin_rows(handle, stream.c_str(), step, time,
                                                             rows > 0 ? static_cast<size_t>(rows) : 0, &frame);
  if (status != SIMINGEST_OK) ThrowError(env, status, LastError(handle, status));
  auto* state = new LoanState();
  state->frame = frame;
  state->handle = handle;
  state->open = true;
  owner->AdoptLoan(state);
  AddonData* data = env.GetInstanceData<AddonData>();
  try {
    return data->loaned_frame_class.New({Napi::External<LoanState>::New(env, state), owner_object});
  } catch (...) {
    state->DetachAll();
    simingest_frame_abort(state->frame);
    state->Release();
    throw;
  }
}

LoanedFrame::LoanedFrame(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LoanedFrame>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsExternal() || !info[1].IsObject())
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT,
               "NativeLoanedFrame cannot be constructed directly; use ingestor.frameBegin()");
  state_ = info[0].As<Napi::External<LoanState>>().Data();
  owner_object_ = Napi::Persistent(info[1].As<Napi::Object>());
  size_t count = 0;
  simingest_frame_column_count(state_->frame, &count);
  Napi::Object columns = Napi::Object::New(env);
  for (size_t i = 0; i < count; ++i) {
    const char* name = nullptr;
    simingest_dtype dtype{};
    void* data = nullptr;
    size_t length = 0;
    if (simingest_frame_column_at(state_->frame, i, &name, &dtype, &data, &length) != SIMINGEST_OK) continue;
    // The finalizer runs once the ArrayBuffer is collected: until then the
    // handle (and, while open, the loan) must stay.
    ++state_->refs;
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
        env, data, length * DtypeBytes(dtype), [](Napi::Env, void*, LoanState* state) { state->Release(); }, state_);
    state_->buffers.push_back(Napi::Weak(buffer));
    columns.Set(name, TypedArrayOver(env, dtype, buffer, length));
  }
  columns_ = Napi::Persistent(columns);
}

LoanedFrame::~LoanedFrame() {
  if (state_ != nullptr) state_->Release();
}

Napi::Value LoanedFrame::Columns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_->reclaimed) ThrowError(env, SIMINGEST_ERR_CLOSED, kReclaimed);
  if (!state_->open || columns_.IsEmpty()) {
    void* data = nullptr;
    size_t length = 0;
    const simingest_status status = simingest_frame_column(state_->frame, "", &data, &length);
    ThrowError(env, status == SIMINGEST_OK ? SIMINGEST_ERR_INTERNAL : status, FrameError(state_, status));
  }
  return columns_.Value();
}

Napi::Value LoanedFrame::Column(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString())
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "column(name) expects a string");
  if (state_->reclaimed) ThrowError(env, SIMINGEST_ERR_CLOSED, kReclaimed);
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  if (state_->open && !columns_.IsEmpty()) {
    Napi::Value found = columns_.Value().Get(name);
    if (!found.IsUndefined()) return found;
  }
  void* data = nullptr;
  size_t length = 0;
  const simingest_status status = simingest_frame_column(state_->frame, name.c_str(), &data, &length);
  ThrowError(env, status == SIMINGEST_OK ? SIMINGEST_ERR_INTERNAL : status, FrameError(state_, status));
}

Napi::Value LoanedFrame::End(const Napi::CallbackInfo& info, simingest_status (*end)(simingest_frame*)) {
  Napi::Env env = info.Env();
  // Its ingestor is closing or closed: the engine reclaims the loan (a call
  // now would race with that close).
  if (state_->reclaimed) ThrowError(env, SIMINGEST_ERR_CLOSED, kReclaimed);
  // Detached first: from the engine's call on, no JavaScript value may reach the buffer.
  state_->DetachAll();
  state_->open = false;
  columns_.Reset();
  const simingest_status status = end(state_->frame);
  if (status != SIMINGEST_OK) ThrowError(env, status, FrameError(state_, status));
  return env.Undefined();
}

Napi::Value LoanedFrame::Commit(const Napi::CallbackInfo& info) { return End(info, &simingest_frame_commit); }

Napi::Value LoanedFrame::Abort(const Napi::CallbackInfo& info) { return End(info, &simingest_frame_abort); }

}  // namespace simingest_node
