// Ingestor::Open: simingest_open() on the libuv pool (Napi::AsyncWorker). It
// can take a while (recovery, fsyncs, verifyOnOpen: full) and is called once
// per ingestor, so it borrows a pool thread instead of starting one.
#include <string>
#include <utility>

#include "ingestor.hpp"
#include "open_worker.hpp"
#include "simingest.h"
#include "simingest_error.hpp"

namespace simingest_node {

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
  auto* worker = new OpenWorker<simingest_ingestor>(  // deletes itself when done
      env, "simingest.open",
      [path = std::move(path), config_json = std::move(config_json)](simingest_ingestor** handle, char** error) {
        return simingest_open(path.c_str(), config_json.c_str(), handle, error);
      },
      [](simingest_ingestor** handle) { simingest_close(handle); }, &AddonData::ingestor_class);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace simingest_node
