// Ingestor::IngestNowait: one frame from JavaScript arrays into the engine.
//
// Reading an element of a JavaScript array can run JavaScript: a hole in the
// array is looked up on Array.prototype, where an accessor may sit (and
// lib/frame.ts cannot stop one from catching its own assignments). Such code
// could detach a buffer whose pointer was already taken, or call ingest again
// and overwrite the scratch buffers the engine is about to read. So the work
// runs in two phases: first every element is fetched (JavaScript may run
// there, and a nested ingest on this ingestor is refused); then the fetched
// values are turned into simingest_columns by calls that never run JavaScript,
// so the pointers handed to the engine are taken with no code able to run
// between taking them and the engine copying the frame.
#include <cstring>
#include <new>
#include <string>

#include "frame_values.hpp"
#include "ingestor.hpp"
#include "simingest_error.hpp"

namespace simingest_node {
namespace {

// Sets a flag for the lifetime of one native call, also when it throws.
class InCall {
 public:
  explicit InCall(bool* flag) : flag_(flag) { *flag_ = true; }
  ~InCall() { *flag_ = false; }
  InCall(const InCall&) = delete;
  InCall& operator=(const InCall&) = delete;

 private:
  bool* flag_;
};

bool HasNul(const std::string& text) { return std::memchr(text.data(), '\0', text.size()) != nullptr; }

}  // namespace

Napi::Value Ingestor::IngestNowait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (in_ingest_) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT,
               "ingest() called re-entrantly: JavaScript (a getter reached while a frame was read, "
               "e.g. an accessor on Array.prototype) ran inside another ingest() on this ingestor");
  }
  ThrowIfClosed(env);
  if (info.Length() < 6 || !info[0].IsString() || !info[2].IsNumber() || !info[3].IsArray() ||
      !info[4].IsArray() || !info[5].IsArray()) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT,
               "ingestNowait(stream, step, time, names, dtypes, values) got bad arguments");
  }
  const InCall in_call(&in_ingest_);
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
  // frame costs no allocation here once they have grown; in_ingest_ keeps a
  // nested call from reusing them while this one fills them.
  try {
    if (name_text_.size() < n) name_text_.resize(n);
    scalars_.resize(n);
    columns_.resize(n);
    elements_.resize(3 * static_cast<size_t>(n));
  } catch (const std::bad_alloc&) {  // a (sparse) array of billions of columns
    ThrowError(env, SIMINGEST_ERR_OUT_OF_MEMORY, "no memory for a frame of " + std::to_string(n) + " columns");
  }

  // Phase 1: fetch every element. The napi_values stay valid for this call.
  for (uint32_t i = 0; i < n; ++i) {
    elements_[3 * i] = names.Get(i);
    elements_[3 * i + 1] = dtypes.Get(i);
    elements_[3 * i + 2] = values.Get(i);
  }
  // Code run by a getter may have closed the ingestor meanwhile.
  ThrowIfClosed(env);

  // Phase 2: no JavaScript runs from here to the engine's copy.
  CopyUtf8(env, info[0], &stream_text_);
  if (HasNul(stream_text_)) ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "stream: contains a NUL byte");
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value name(env, elements_[3 * i]);
    if (!name.IsString()) ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "column names must be strings");
    std::string& name_text = name_text_[i];
    CopyUtf8(env, name, &name_text);
    if (HasNul(name_text)) {
      ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT,
                 "columns." + std::string(name_text.c_str()) + ": a column name contains a NUL byte");
    }
    simingest_column& column = columns_[i];
    column.name = name_text.c_str();
    Napi::Value value(env, elements_[3 * i + 2]);
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
      Napi::Value dtype(env, elements_[3 * i + 1]);
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

}  // namespace simingest_node
