#include "dataset.hpp"

#include <string>
#include <utility>

#include "open_worker.hpp"
#include "query_spec.hpp"
#include "query_stream.hpp"
#include "simingest_error.hpp"
#include "subscription.hpp"

namespace simingest_node {

Napi::Function Dataset::Define(Napi::Env env) {
  return DefineClass(env, "NativeDataset",
                     {
                         InstanceMethod<&Dataset::Query>("query"),
                         InstanceMethod<&Dataset::StreamsJson>("streamsJson"),
                         InstanceMethod<&Dataset::Subscribe>("subscribe"),
                         InstanceMethod<&Dataset::Close>("close"),
                         StaticMethod<&Dataset::Open>("open"),
                     });
}

Napi::Value Dataset::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "Dataset.open(path) expects a string");
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.find('\0') != std::string::npos) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "path contains a NUL character");
  }
  auto* worker = new OpenWorker<simingest_dataset>(  // deletes itself when done
      env, "simingest.dataset.open",
      [path = std::move(path)](simingest_dataset** handle, char** error) {
        return simingest_dataset_open(path.c_str(), handle, error);
      },
      simingest_dataset_close, &AddonData::dataset_class);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Dataset::Dataset(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Dataset>(info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    ThrowError(info.Env(), SIMINGEST_ERR_INVALID_ARGUMENT,
               "NativeDataset cannot be constructed directly; use Dataset.open()");
  }
  handle_ = std::exchange(*info[0].As<Napi::External<simingest_dataset*>>().Data(), nullptr);
}

Dataset::~Dataset() { simingest_dataset_close(&handle_); }

void Dataset::ThrowIfClosed(Napi::Env env) const {
  if (handle_ == nullptr) ThrowError(env, SIMINGEST_ERR_CLOSED, "the dataset is closed");
}

void Dataset::ThrowLastError(Napi::Env env, simingest_status status) const {
  const char* message = simingest_dataset_last_error(handle_);
  ThrowError(env, status, message != nullptr && message[0] != '\0' ? message : simingest_status_string(status));
}

Napi::Value Dataset::Query(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  const std::string stream = StreamArgument(env, info[0]);
  QuerySpecArgs spec;
  ReadQuerySpec(env, info[1], &spec);
  ArrowArrayStream out{};
  const simingest_status status = simingest_dataset_query(handle_, stream.c_str(), &spec.spec, &out);
  if (status != SIMINGEST_OK) ThrowLastError(env, status);
  return QueryStream::Wrap(env, &out);
}

// Lists the log and positions the tail on the JavaScript thread (a directory
// listing and, from now, a walk of the newest segment's block headers); the
// frames then come from the tail's own thread.
Napi::Value Dataset::Subscribe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  return SubscribeDataset(env, handle_, info);
}

Napi::Value Dataset::StreamsJson(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  char* json = nullptr;
  const simingest_status status = simingest_dataset_streams_json(handle_, &json);
  if (status != SIMINGEST_OK) ThrowLastError(env, status);
  Napi::String text = Napi::String::New(env, json);
  simingest_free(json);
  return text;
}

Napi::Value Dataset::Close(const Napi::CallbackInfo& info) {
  simingest_dataset_close(&handle_);
  return info.Env().Undefined();
}

}  // namespace simingest_node
