// NativeQueryStream: one ArrowArrayStream a query returned, behind a
// JavaScript object from which lib/query.ts pulls record batches.
//
// What must stay true:
//  - get_next() reads and decodes Parquet pages, so it runs on the libuv pool
//    (a Napi::AsyncWorker), one call at a time: the Arrow stream is not
//    thread-safe, and next() while one is pending is refused. The object is
//    referenced while a call is pending, so it cannot be collected under it.
//  - Each batch's column buffers become external ArrayBuffers over the engine's
//    memory (no copy). The batch (its ArrowArray) is released when the last
//    of them is collected: a count per batch, touched by finalizers on the
//    JavaScript thread only.
//  - close() releases the stream at once, or when the pending get_next ends.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "simingest.h"

namespace simingest_node {

class QueryStream : public Napi::ObjectWrap<QueryStream> {
 public:
  static Napi::Function Define(Napi::Env env);
  // Wraps a live stream (moved out of `stream`, which is left released) in a
  // new JavaScript object; on failure the stream is released.
  static Napi::Value Wrap(Napi::Env env, ArrowArrayStream* stream);

  explicit QueryStream(const Napi::CallbackInfo& info);
  ~QueryStream() override;

  QueryStream(const QueryStream&) = delete;
  QueryStream& operator=(const QueryStream&) = delete;

  // Called by the worker when get_next is done (JavaScript thread).
  void EndNext();
  ArrowArrayStream* stream() { return &stream_; }

 private:
  // -> [{ name, format }] of the result's columns (get_schema; cheap).
  Napi::Value Schema(const Napi::CallbackInfo& info);
  // -> Promise<{ length, columns: ArrayBuffer[] } | null> (null: the end).
  Napi::Value Next(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void Release();

  ArrowArrayStream stream_{};
  bool busy_ = false;            // a get_next is running on the pool
  bool close_requested_ = false;  // close() came while busy: release when it ends
};

// queryBatchesAlive() -> batches made into ArrayBuffers and not yet released.
Napi::Value QueryBatchesAlive(const Napi::CallbackInfo& info);

// Bytes per value of an Arrow format string of a query result; 0 if unknown.
size_t FormatWidth(const char* format);

}  // namespace simingest_node
