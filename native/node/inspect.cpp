#include "inspect.hpp"

#include <new>
#include <string>
#include <utility>

#include "simingest.h"
#include "simingest_error.hpp"

namespace simingest_node {
namespace {

// simingest_inspect_json and simingest_verify_json share this signature.
using DatasetReport = simingest_status (*)(const char* path, char** out_json, char** out_error);

class DatasetReportWorker : public Napi::AsyncWorker {
 public:
  DatasetReportWorker(Napi::Env env, const char* resource, DatasetReport report, std::string path)
      : Napi::AsyncWorker(env, resource),
        deferred_(Napi::Promise::Deferred::New(env)),
        report_(report),
        path_(std::move(path)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  // On a pool thread: no JavaScript, and nothing may throw out of here.
  void Execute() override {
    char* json = nullptr;
    char* error = nullptr;
    status_ = report_(path_.c_str(), &json, &error);
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
  DatasetReport report_;
  std::string path_;
  simingest_status status_ = SIMINGEST_OK;
  std::string json_;
  std::string message_;
};

Napi::Value QueueReport(const Napi::CallbackInfo& info, const char* name, const char* resource,
                        DatasetReport report) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, std::string(name) + "(path) expects a string");
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  // The C ABI takes a NUL-terminated path: one with a NUL inside would name
  // another directory.
  if (path.find('\0') != std::string::npos) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "path contains a NUL character");
  }
  auto* worker = new DatasetReportWorker(env, resource, report, std::move(path));  // deletes itself after OnOK/OnError
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

Napi::Value InspectJson(const Napi::CallbackInfo& info) {
  return QueueReport(info, "inspectJson", "simingest.inspect", simingest_inspect_json);
}

Napi::Value VerifyJson(const Napi::CallbackInfo& info) {
  return QueueReport(info, "verifyJson", "simingest.verify", simingest_verify_json);
}

}  // namespace simingest_node
