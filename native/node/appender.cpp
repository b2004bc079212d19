#include "appender.hpp"

#include <algorithm>
#include <string>

#include "ingestor.hpp"
#include "simingest_error.hpp"

namespace simingest_node {

Napi::Function Appender::Define(Napi::Env env) {
  return DefineClass(env, "NativeAppender",
                     {
                         InstanceMethod<&Appender::AppendRow>("appendRow"),
                         InstanceMethod<&Appender::AppendRows>("appendRows"),
                         InstanceMethod<&Appender::KeptFrom>("keptFrom"),
                         InstanceMethod<&Appender::Flush>("flush"),
                         InstanceMethod<&Appender::Close>("close"),
                         InstanceMethod<&Appender::RowBytes>("rowBytes"),
                     });
}

Appender::Appender(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Appender>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsObject() || !info[1].IsString() || !info[2].IsArrayBuffer() ||
      !info[3].IsArrayBuffer() || !info[4].IsArrayBuffer())
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "NativeAppender(ingestor, stream, staging, steps, times) expected");
  Napi::ArrayBuffer steps = info[3].As<Napi::ArrayBuffer>();
  Napi::ArrayBuffer times = info[4].As<Napi::ArrayBuffer>();
  const size_t capacity = times.ByteLength() / sizeof(double);
  if (capacity == 0 || steps.ByteLength() / sizeof(double) != capacity)
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "NativeAppender: steps and times must hold one float64 per row");
  steps64_.resize(capacity);  // before the handle is opened: a throw here leaks nothing
  simingest_ingestor* ingestor = Ingestor::HandleForAppender(env, info[0].As<Napi::Object>());
  const std::string stream = info[1].As<Napi::String>().Utf8Value();
  simingest_appender* handle = nullptr;
  const simingest_status status = simingest_appender_open(ingestor, stream.c_str(), &handle);
  if (status != SIMINGEST_OK) ThrowError(env, status, LastError(ingestor, status));
  Napi::ArrayBuffer staging = info[2].As<Napi::ArrayBuffer>();
  size_t row_bytes = 0;
  simingest_appender_row_bytes(handle, &row_bytes);
  if (staging.ByteLength() < row_bytes * capacity) {
    simingest_appender_close(&handle);
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT,
               "NativeAppender: the staging buffer holds " + std::to_string(staging.ByteLength()) + " bytes but " +
                   std::to_string(capacity) + " rows are " + std::to_string(row_bytes * capacity));
  }
  handle_ = handle;
  staging_ = Napi::Persistent(staging);
  row_ = staging.Data();
  steps_buffer_ = Napi::Persistent(steps);
  times_buffer_ = Napi::Persistent(times);
  steps_ = static_cast<const double*>(steps.Data());
  times_ = static_cast<const double*>(times.Data());
  capacity_ = capacity;
}

Appender::~Appender() { simingest_appender_close(&handle_); }

simingest_appender* Appender::OpenHandle(Napi::Env env) const {
  if (handle_ == nullptr) ThrowError(env, SIMINGEST_ERR_CLOSED, "appender: the appender is closed");
  return handle_;
}

void Appender::Fail(Napi::Env env, simingest_status status) const {
  const char* message = simingest_appender_last_error(handle_);
  ThrowError(env, status, message != nullptr && message[0] != '\0' ? message : simingest_status_string(status));
}

Napi::Value Appender::AppendRow(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  simingest_appender* handle = OpenHandle(env);
  int64_t step = 0;
  bool lossless = true;
  if (info[0].IsBigInt()) {
    step = info[0].As<Napi::BigInt>().Int64Value(&lossless);
  } else {
    napi_get_value_int64(env, info[0], &step);
  }
  double time = 0;
  napi_get_value_double(env, info[1], &time);
  const simingest_status status = simingest_appender_append_row(handle, step, time, row_);
  if (status != SIMINGEST_OK) Fail(env, status);
  return env.Undefined();
}

Napi::Value Appender::AppendRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  kept_from_ = 0;  // a call refused as a whole keeps every row
  simingest_appender* handle = OpenHandle(env);
  const size_t count = static_cast<size_t>(info[0].As<Napi::Number>().Int64Value());
  if (count > capacity_) ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "appendRows: more rows than the buffers hold");
  for (size_t i = 0; i < count; ++i) steps64_[i] = static_cast<int64_t>(steps_[i]);
  size_t taken = 0;
  const simingest_status status = simingest_appender_append_rows(handle, count, steps64_.data(), times_, row_, &taken);
  if (status == SIMINGEST_OK) return env.Undefined();
  // A row the engine refused for what it holds is dropped (append_row would
  // have refused it); after any other failure it stays pending.
  const bool refused = status == SIMINGEST_ERR_INVALID_ARGUMENT || status == SIMINGEST_ERR_NON_FINITE ||
                       status == SIMINGEST_ERR_DTYPE_MISMATCH;
  kept_from_ = std::min(count, taken + (refused && taken < count ? 1 : 0));
  // The engine names the row by its index in the batch, which means nothing
  // to a caller whose rows went in one call each: the row of this call keeps
  // the engine's own message, an earlier one is named by its step.
  const char* text = simingest_appender_last_error(handle_);
  std::string message = text != nullptr && text[0] != '\0' ? text : simingest_status_string(status);
  // (No such prefix: the call was refused as a whole, e.g. busy; no row to name.)
  const std::string prefix = "appender: row " + std::to_string(taken) + ": ";
  if (message.compare(0, prefix.size(), prefix) == 0) {
    message.erase(0, prefix.size());
    if (taken + 1 < count) message = "appender: the row at step " + std::to_string(steps64_[taken]) + ": " + message;
  }
  ThrowError(env, status, message);
}

Napi::Value Appender::KeptFrom(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(kept_from_));
}

Napi::Value Appender::Flush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const simingest_status status = simingest_appender_flush(OpenHandle(env));
  if (status != SIMINGEST_OK) Fail(env, status);
  return env.Undefined();
}

Napi::Value Appender::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (handle_ == nullptr) return env.Undefined();
  const simingest_status status = simingest_appender_close(&handle_);
  staging_.Reset();
  steps_buffer_.Reset();
  times_buffer_.Reset();
  row_ = nullptr;
  steps_ = times_ = nullptr;
  if (status != SIMINGEST_OK) Fail(env, status);  // handle_ is NULL: the thread's message
  return env.Undefined();
}

Napi::Value Appender::RowBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t bytes = 0;
  const simingest_status status = simingest_appender_row_bytes(OpenHandle(env), &bytes);
  if (status != SIMINGEST_OK) Fail(env, status);
  return Napi::Number::New(env, static_cast<double>(bytes));
}

}  // namespace simingest_node
