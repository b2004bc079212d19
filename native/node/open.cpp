// Ingestor::Open: simingest_open() on the libuv pool (Napi::AsyncWorker). It
// can take a while (recovery, fsyncs, verifyOnOpen: full) and is called once
// per ingestor, so it borrows a pool thread instead of starting one.
#include <new>
#include <string>
#include <utility>

#include "ingestor.hpp"
#include "simingest.h"
#include "simingest_error.hpp"

namespace simingest_node {
namespace {

class OpenWorker : public Napi::AsyncWorker {
 public:
  OpenWorker(Napi::Env env, std::string path, std::string config_json)
      : Napi::AsyncWorker(env, "simingest.open"),
        deferred_(Napi::Promise::Deferred::New(env)),
        path_(std::move(path)),
        config_json_(std::move(config_json)) {}

  // An opened handle nobody took (the object could not be made, or the
  // environment went away first) is closed, releasing the dataset lock.
  ~OpenWorker() override { simingest_close(&handle_); }

  OpenWorker(const OpenWorker&) = delete;
  OpenWorker& operator=(const OpenWorker&) = delete;

  Napi::Promise Promise() const { return deferred_.Promise(); }

  // On a pool thread: no JavaScript, and nothing may throw out of here.
  void Execute() override {
    char* error = nullptr;
    status_ = simingest_open(path_.c_str(), config_json_.c_str(), &handle_, &error);
    if (status_ != SIMINGEST_OK) {
      try {
        message_ = error != nullptr ? error : simingest_status_string(status_);
      } catch (const std::bad_alloc&) {
        message_.clear();
      }
    }
    simingest_free(error);
  }

  // Never throws: a C++ exception would become an uncaught JavaScript one.
  // Settling fails only where JavaScript can no longer run (a Worker being
  // terminated), and nobody can observe the promise then.
  void OnOK() override {
    Napi::Env env = Env();
    try {
      if (status_ != SIMINGEST_OK) {
        deferred_.Reject(MakeError(env, status_, message_.empty() ? "out of memory" : message_));
        return;
      }
      // The constructor takes the handle out of `handle_`; if it throws, the
      // handle is still here and the destructor closes it.
      AddonData* data = env.GetInstanceData<AddonData>();
      deferred_.Resolve(data->ingestor_class.New({Napi::External<simingest_ingestor*>::New(env, &handle_)}));
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
  std::string config_json_;
  simingest_ingestor* handle_ = nullptr;
  simingest_status status_ = SIMINGEST_OK;
  std::string message_;
};

}  // namespace

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
  auto* worker = new OpenWorker(env, std::move(path), std::move(config_json));  // deletes itself when done
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace simingest_node
