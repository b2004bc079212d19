// Registers the addon's exports. lib/native.ts calls setErrorClass() once at
// load time, before any other export is used.
#include <napi.h>

#include "appender.hpp"
#include "dataset.hpp"
#include "ingestor.hpp"
#include "inspect.hpp"
#include "loaned_frame.hpp"
#include "query_stream.hpp"
#include "simingest.h"
#include "simingest_error.hpp"
#include "subscription.hpp"

namespace simingest_node {
namespace {

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    throw Napi::TypeError::New(env, "setErrorClass(SimingestError) expects a class");
  }
  env.GetInstanceData<AddonData>()->error_class = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), simingest_version());
}

Napi::Value StatusString(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw Napi::TypeError::New(env, "statusString(status) expects a number");
  }
  return Napi::String::New(
      env, simingest_status_string(static_cast<simingest_status>(info[0].As<Napi::Number>().Int32Value())));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  Napi::Function ingestor = Ingestor::Define(env);
  data->ingestor_class = Napi::Persistent(ingestor);
  exports.Set("NativeIngestor", ingestor);
  Napi::Function query_stream = QueryStream::Define(env);
  data->query_stream_class = Napi::Persistent(query_stream);
  Napi::Function dataset = Dataset::Define(env);
  data->dataset_class = Napi::Persistent(dataset);
  data->loaned_frame_class = Napi::Persistent(LoanedFrame::Define(env));
  exports.Set("NativeDataset", dataset);
  exports.Set("NativeAppender", Appender::Define(env));
  exports.Set("setErrorClass", Napi::Function::New<SetErrorClass>(env, "setErrorClass"));
  exports.Set("version", Napi::Function::New<Version>(env, "version"));
  exports.Set("statusString", Napi::Function::New<StatusString>(env, "statusString"));
  exports.Set("queryBatchesAlive", Napi::Function::New<QueryBatchesAlive>(env, "queryBatchesAlive"));
  exports.Set("inspectJson", Napi::Function::New<InspectJson>(env, "inspectJson"));
  exports.Set("unsubscribe", Napi::Function::New<Unsubscribe>(env, "unsubscribe"));
  exports.Set("verifyJson", Napi::Function::New<VerifyJson>(env, "verifyJson"));
  return exports;
}

}  // namespace
}  // namespace simingest_node

static Napi::Object InitSimingest(Napi::Env env, Napi::Object exports) {
  return simingest_node::Init(env, exports);
}

NODE_API_MODULE(simingest, InitSimingest)
