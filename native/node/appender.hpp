// The native half of lib/appender.ts: one simingest_appender behind a
// JavaScript object (ADR 0021). The row's values are packed by TypeScript
// into a staging ArrayBuffer this object holds (its data pointer taken once),
// so appendRow() passes only two numbers across N-API, and the engine copies
// the row from there. Arity and types are checked in TypeScript.
//
// JavaScript thread only. lib/ingestor.ts closes every appender of an
// ingestor before the ingestor's close starts (simingest_close_async would
// otherwise hand their rows over on the closing thread while this thread
// might still append).
#pragma once

#include <napi.h>

#include "simingest.h"

namespace simingest_node {

class Appender : public Napi::ObjectWrap<Appender> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new NativeAppender(nativeIngestor, stream, staging: ArrayBuffer)
  explicit Appender(const Napi::CallbackInfo& info);
  ~Appender() override;
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;

 private:
  // (step: number | bigint, time: number) -> undefined; the values are in the staging buffer.
  Napi::Value AppendRow(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value RowBytes(const Napi::CallbackInfo& info);
  [[noreturn]] void Fail(Napi::Env env, simingest_status status) const;
  simingest_appender* OpenHandle(Napi::Env env) const;

  simingest_appender* handle_ = nullptr;
  Napi::Reference<Napi::ArrayBuffer> staging_;
  const void* row_ = nullptr;  // staging_'s data: fixed for its life
};

}  // namespace simingest_node
