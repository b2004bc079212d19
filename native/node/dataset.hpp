// NativeDataset: a read-only simingest_dataset handle (no lock, changes
// nothing; safe beside a writer). open() reads the manifest, so it runs on the
// libuv pool; query() and streamsJson() only read the manifest snapshot and
// plan, on the JavaScript thread, which alone uses the handle. Streams a query
// returned stay valid after close() (include/simingest.h).
#pragma once

#include <napi.h>

#include "simingest.h"

namespace simingest_node {

class Dataset : public Napi::ObjectWrap<Dataset> {
 public:
  static Napi::Function Define(Napi::Env env);
  // open(path) -> Promise<NativeDataset>
  static Napi::Value Open(const Napi::CallbackInfo& info);

  explicit Dataset(const Napi::CallbackInfo& info);
  ~Dataset() override;

  Dataset(const Dataset&) = delete;
  Dataset& operator=(const Dataset&) = delete;

 private:
  // (stream, spec) -> NativeQueryStream
  Napi::Value Query(const Napi::CallbackInfo& info);
  Napi::Value StreamsJson(const Napi::CallbackInfo& info);
  // (stream, fromStep | null, emit) -> subscription handle (simingest_dataset_subscribe)
  Napi::Value Subscribe(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void ThrowIfClosed(Napi::Env env) const;
  [[noreturn]] void ThrowLastError(Napi::Env env, simingest_status status) const;

  simingest_dataset* handle_ = nullptr;
};

}  // namespace simingest_node
