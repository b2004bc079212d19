#include "dataset.hpp"

#include <new>
#include <string>
#include <utility>

#include "query_spec.hpp"
#include "query_stream.hpp"
#include "simingest_error.hpp"

namespace simingest_node {
namespace {

class DatasetOpenWorker : public Napi::AsyncWorker {
 public:
  DatasetOpenWorker(Napi::Env env, std::string path)
      : Napi::AsyncWorker(env, "simingest.dataset.open"),
        deferred_(Napi::Promise::Deferred::New(env)),
        path_(std::move(path)) {}

  // A handle nobody took (the object could not be made) is closed here.
  ~DatasetOpenWorker() override { simingest_dataset_close(&handle_); }

  DatasetOpenWorker(const DatasetOpenWorker&) = delete;
  DatasetOpenWorker& operator=(const DatasetOpenWorker&) = delete;

  Napi::Promise Promise() const { return deferred_.Promise(); }

  // On a pool thread: no JavaScript, and nothing may throw out of here.
  void Execute() override {
    char* error = nullptr;
    status_ = simingest_dataset_open(path_.c_str(), &handle_, &error);
    if (status_ != SIMINGEST_OK) {
      try {
        message_ = error != nullptr ? error : simingest_status_string(status_);
      } catch (const std::bad_alloc&) {
        message_.clear();
      }
    }
    simingest_free(error);
  }

  void OnOK() override {
    Napi::Env env = Env();
    try {
      if (status_ != SIMINGEST_OK) {
        deferred_.Reject(MakeError(env, status_, message_.empty() ? "out of memory" : message_));
        return;
      }
      AddonData* data = env.GetInstanceData<AddonData>();
      deferred_.Resolve(data->dataset_class.New({Napi::External<simingest_dataset*>::New(env, &handle_)}));
    } catch (const Napi::Error& error) {
      Reject(error.Value());
    } catch (...) {
    }
  }

  void OnError(const Napi::Error& error) override { Reject(error.Value()); }

 private:
  void Reject(Napi::Value error) noexcept {
    try {
      deferred_.Reject(error);
    } catch (...) {
    }
  }

  Napi::Promise::Deferred deferred_;
  std::string path_;
  simingest_dataset* handle_ = nullptr;
  simingest_status status_ = SIMINGEST_OK;
  std::string message_;
};

}  // namespace

Napi::Function Dataset::Define(Napi::Env env) {
  return DefineClass(env, "NativeDataset",
                     {
                         InstanceMethod<&Dataset::Query>("query"),
                         InstanceMethod<&Dataset::StreamsJson>("streamsJson"),
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
  auto* worker = new DatasetOpenWorker(env, std::move(path));  // deletes itself when done
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
