#include "inspect.hpp"

#include <new>
#include <string>
#include <utility>

#include "simingest.h"
#include "simingest_error.hpp"

namespace simingest_node {
namespace {

class InspectWorker : public Napi::AsyncWorker {
 public:
  InspectWorker(Napi::Env env, std::string path)
      : Napi::AsyncWorker(env, "simingest.inspect"),
        deferred_(Napi::Promise::Deferred::New(env)),
        path_(std::move(path)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  // On a pool thread: no JavaScript, and nothing may throw out of here.
  void Execute() override {
    char* json = nullptr;
    char* error = nullptr;
    status_ = simingest_inspect_json(path_.c_str(), &json, &error);
    try {
      if (status_ == SIMINGEST_OK) {
        json_ = json;
      } else {
        message_ = error != nullptr ? error : simingest_status_string(status_);
      }
    } catch (const std::bad_alloc&) {
      status_ = SIMINGEST_ERR_OUT_OF_MEMORY;
      message_.clear();
    }
    simingest_free(json);
    simingest_free(error);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (status_ == SIMINGEST_OK) {
      deferred_.Resolve(Napi::String::New(env, json_));
    } else {
      deferred_.Reject(MakeError(env, status_, message_.empty() ? "out of memory" : message_));
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string path_;
  simingest_status status_ = SIMINGEST_OK;
  std::string json_;
  std::string message_;
};

}  // namespace

Napi::Value InspectJson(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "inspectJson(path) expects a string");
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  // The C ABI takes a NUL-terminated path: one with a NUL inside would name
  // another directory.
  if (path.find('\0') != std::string::npos) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "path contains a NUL character");
  }
  auto* worker = new InspectWorker(env, std::move(path));  // deletes itself after OnOK/OnError
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace simingest_node
