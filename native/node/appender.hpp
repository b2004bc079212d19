// The native half of lib/appender.ts: one simingest_appender behind a
// JavaScript object (ADR 0021). TypeScript packs rows into host-side buffers
// this object holds (their data pointers taken once): values into the staging
// ArrayBuffer, row after row, steps and times into two Float64Arrays; an
// N-API call per row would cost more than the row, so appendRows(count) hands
// a whole batch to simingest_appender_append_rows() in one crossing.
// appendRow() takes one row from the start of the staging buffer (a bigint
// step, which the float64 steps buffer cannot hold). Arity and types are
// checked in TypeScript.
//
// JavaScript thread only. lib/ingestor.ts closes every appender of an
// ingestor before the ingestor's close starts (simingest_close_async would
// otherwise hand their rows over on the closing thread while this thread
// might still append).
#pragma once

#include <napi.h>

#include <cstdint>
#include <vector>

#include "simingest.h"

namespace simingest_node {

class Appender : public Napi::ObjectWrap<Appender> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new NativeAppender(nativeIngestor, stream, staging: ArrayBuffer, steps: ArrayBuffer, times: ArrayBuffer):
  // steps and times hold float64s, one per row of the batch; staging a packed row per row.
  explicit Appender(const Napi::CallbackInfo& info);
  ~Appender() override;
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;

 private:
  // (step: number | bigint, time: number) -> undefined; the values are in the staging buffer.
  Napi::Value AppendRow(const Napi::CallbackInfo& info);
  // (count: number) -> undefined: the first `count` rows of the buffers. On a
  // failure, keptFrom() says which row is the first still pending (the rows
  // before it were taken, or refused); the message names the failing row.
  Napi::Value AppendRows(const Napi::CallbackInfo& info);
  Napi::Value KeptFrom(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value RowBytes(const Napi::CallbackInfo& info);
  [[noreturn]] void Fail(Napi::Env env, simingest_status status) const;
  simingest_appender* OpenHandle(Napi::Env env) const;

  simingest_appender* handle_ = nullptr;
  Napi::Reference<Napi::ArrayBuffer> staging_;
  const void* row_ = nullptr;  // staging_'s data: fixed for its life
  Napi::Reference<Napi::ArrayBuffer> steps_buffer_, times_buffer_;
  const double* steps_ = nullptr;  // safe integers, checked in TypeScript
  const double* times_ = nullptr;
  std::vector<int64_t> steps64_;  // steps_ as the C ABI takes them; sized once
  size_t capacity_ = 0;
  size_t kept_from_ = 0;
};

}  // namespace simingest_node
