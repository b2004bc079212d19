#include "appender.hpp"

#include <string>

#include "ingestor.hpp"
#include "simingest_error.hpp"

namespace simingest_node {

Napi::Function Appender::Define(Napi::Env env) {
  return DefineClass(env, "NativeAppender",
                     {
                         InstanceMethod<&Appender::AppendRow>("appendRow"),
                         InstanceMethod<&Appender::Flush>("flush"),
                         InstanceMethod<&Appender::Close>("close"),
                         InstanceMethod<&Appender::RowBytes>("rowBytes"),
                     });
}

Appender::Appender(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Appender>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsString() || !info[2].IsArrayBuffer())
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "NativeAppender(ingestor, stream, staging) expected");
  simingest_ingestor* ingestor = Ingestor::HandleForAppender(env, info[0].As<Napi::Object>());
  const std::string stream = info[1].As<Napi::String>().Utf8Value();
  simingest_appender* handle = nullptr;
  const simingest_status status = simingest_appender_open(ingestor, stream.c_str(), &handle);
  if (status != SIMINGEST_OK) ThrowError(env, status, LastError(ingestor, status));
  Napi::ArrayBuffer staging = info[2].As<Napi::ArrayBuffer>();
  size_t row_bytes = 0;
  simingest_appender_row_bytes(handle, &row_bytes);
  if (staging.ByteLength() < row_bytes) {
    simingest_appender_close(&handle);
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT,
               "NativeAppender: the staging buffer holds " + std::to_string(staging.ByteLength()) +
                   " bytes but a row is " + std::to_string(row_bytes));
  }
  handle_ = handle;
  staging_ = Napi::Persistent(staging);
  row_ = staging.Data();
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
  row_ = nullptr;
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
