// Opening a handle (an ingestor, a read-only dataset) on the libuv pool
// (Napi::AsyncWorker): the open can take a while (recovery, fsyncs, reading a
// manifest) and happens once per object, so it borrows a pool thread instead
// of starting one. The promise resolves with an object of the class
// `AddonData::*class_ref` made over the handle, or rejects with the engine's
// status and message.
#pragma once

#include <napi.h>

#include <functional>
#include <new>
#include <string>
#include <utility>

#include "simingest.h"
#include "simingest_error.hpp"

namespace simingest_node {

template <class Handle>
class OpenWorker : public Napi::AsyncWorker {
 public:
  // `open` runs on a pool thread: it fills the handle, or returns the status
  // and an error string to release with simingest_free(). `close` closes a
  // handle nobody took.
  using Open = std::function<simingest_status(Handle** handle, char** error)>;
  using Close = void (*)(Handle** handle);

  OpenWorker(Napi::Env env, const char* resource, Open open, Close close,
             Napi::FunctionReference AddonData::*class_ref)
      : Napi::AsyncWorker(env, resource),
        deferred_(Napi::Promise::Deferred::New(env)),
        open_(std::move(open)),
        close_(close),
        class_ref_(class_ref) {}

  // A handle nobody took (the object could not be made, or the environment
  // went away first) is closed, releasing what it holds (an ingestor's lock).
  ~OpenWorker() override { close_(&handle_); }

  OpenWorker(const OpenWorker&) = delete;
  OpenWorker& operator=(const OpenWorker&) = delete;

  Napi::Promise Promise() const { return deferred_.Promise(); }

  // On a pool thread: no JavaScript, and nothing may throw out of here.
  void Execute() override {
    char* error = nullptr;
    status_ = open_(&handle_, &error);
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
      deferred_.Resolve((data->*class_ref_).New({Napi::External<Handle*>::New(env, &handle_)}));
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
  Open open_;
  Close close_;
  Napi::FunctionReference AddonData::*class_ref_;
  Handle* handle_ = nullptr;
  simingest_status status_ = SIMINGEST_OK;
  std::string message_;
};

}  // namespace simingest_node
