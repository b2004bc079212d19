// The native half of lib/ingestor.ts: one simingest_ingestor handle behind a
// JavaScript object. Everything here is mechanism; argument shapes are checked
// in TypeScript and every rule about frames lives in the engine.
//
// Threads and what must stay true (docs/adr/0012-async-completion.md):
//  - The JavaScript thread never waits, and this addon starts no thread.
//    ingestNowait() copies or returns WOULD_BLOCK; waitForRoom(), flush() and
//    close() register a one-shot callback with the engine
//    (simingest_notify_room, simingest_flush_async, simingest_close_async),
//    which runs it on an engine thread; open() runs on the libuv pool
//    (open.cpp).
//  - Every completion comes back through the one thread-safe function
//    `tsfn_`; it is referenced only while some completion is pending, so an
//    idle ingestor does not keep the process alive.
//  - Engine threads touch only their Completion and `tsfn_`; the handle is
//    used on the JavaScript thread alone. The engine calls back every pending
//    flush and room request before the close's own callback, and the channel
//    is a queue, so when the close settles nothing else can be posted: the
//    channel is released and simingest_close() frees the handle (it only
//    joins the engine's closing thread, which ends as its callback returns).
//  - At environment teardown (a natural exit, a Worker's end) the handle is
//    closed synchronously in a cleanup hook that runs before Node frees the
//    channel: when simingest_close() returns, no engine thread is left to post.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "frame_values.hpp"
#include "loaned_frame.hpp"
#include "scalar_plan.hpp"
#include "simingest.h"

namespace simingest_node {

class Ingestor;

// One pending completion. Created and settled on the JavaScript thread; an
// engine thread only fills `status`/`message` and posts it.
struct Completion {
  enum class Kind { room, flush, close };
  Completion(Napi::Env env, Kind k, Ingestor* o)
      : kind(k), owner(o), deferred(Napi::Promise::Deferred::New(env)) {}
  Kind kind;
  Ingestor* owner;
  Napi::Promise::Deferred deferred;
  simingest_status status = SIMINGEST_OK;
  std::string message;
  size_t bytes = 0;
};

void SettleCompletion(Napi::Env env, Napi::Function unused, Ingestor* owner, Completion* done);
using CompletionChannel = Napi::TypedThreadSafeFunction<Ingestor, Completion, SettleCompletion>;

class Ingestor : public Napi::ObjectWrap<Ingestor> {
 public:
  static Napi::Function Define(Napi::Env env);
  // open(path, configJson) -> Promise<Ingestor>; simingest_open runs on the libuv pool (open.cpp).
  static Napi::Value Open(const Napi::CallbackInfo& info);

  explicit Ingestor(const Napi::CallbackInfo& info);
  ~Ingestor() override;

  Ingestor(const Ingestor&) = delete;
  Ingestor& operator=(const Ingestor&) = delete;

  // The loans still open (loaned_frame.hpp): detached when this closes.
  void AdoptLoan(LoanState* loan);
  void ForgetLoan(LoanState* loan);
  // The handle of the NativeIngestor `object`, for opening an appender
  // (appender.cpp); throws ERR_CLOSED once its close began.
  static simingest_ingestor* HandleForAppender(Napi::Env env, Napi::Object object);

 private:
  friend void SettleCompletion(Napi::Env, Napi::Function, Ingestor*, Completion*);

  // (stream, step, time, names[], dtypes[], values[]) -> 0 (copied) or 16 (WOULD_BLOCK)
  Napi::Value IngestNowait(const Napi::CallbackInfo& info);
  // (slot, stream, names[], dtypes[], staging) -> undefined: sets (or replaces)
  // scalar plan `slot` (scalar_plan.cpp).
  Napi::Value SetScalarPlan(const Napi::CallbackInfo& info);
  // (slot, step, time) -> 0 (copied) or 16 (WOULD_BLOCK): the frame whose
  // values lib/ wrote into plan `slot`'s staging buffer.
  Napi::Value IngestPlanned(const Napi::CallbackInfo& info);
  // (bytes) -> Promise<void>, resolved when that much frame data might fit.
  Napi::Value WaitForRoom(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  // -> the stats JSON text (docs/STATS.md)
  Napi::Value StatsJson(const Napi::CallbackInfo& info);
  // -> {"<stream>": last durable step | null} as JSON text (simingest_checkpoint)
  Napi::Value CheckpointJson(const Napi::CallbackInfo& info);
  // Calls a C function returning a JSON document through char** and returns its text.
  Napi::Value JsonDocument(Napi::Env env, simingest_status (*function)(simingest_ingestor*, char**));
  Napi::Value IsClosed(const Napi::CallbackInfo& info);
  // (stream, spec) -> NativeQueryStream. simingest_query only snapshots and
  // plans (the batches come from the stream's next(), on the pool), so it runs
  // here, on the JavaScript thread, like every other use of the handle.
  Napi::Value Query(const Napi::CallbackInfo& info);
  // (stream, step, time, rows) -> NativeLoanedFrame (loaned_frame.cpp)
  Napi::Value FrameBegin(const Napi::CallbackInfo& info);
  // Detaches every open loan's typed arrays before the engine reclaims them.
  void ReclaimLoans();
  // (stream, fromStep | null, emit) -> subscription handle (subscription.cpp)
  Napi::Value Subscribe(const Napi::CallbackInfo& info);

  void ThrowIfClosed(Napi::Env env) const;
  void BeginPending(Napi::Env env);
  void EndPending(Napi::Env env);
  // Creates a Completion, keeps the object and channel referenced, and hands
  // the completion to `start` (a registration with the engine); returns its
  // promise. A registration the engine refuses is thrown, with nothing pending.
  template <typename Start>
  Napi::Value Register(Napi::Env env, Completion::Kind kind, Start&& start);
  // Engine-thread callbacks: simingest_notify_room's, and
  // simingest_flush_async's / simingest_close_async's.
  static void OnRoom(void* user_data, simingest_status status);
  static void OnDone(void* user_data, simingest_status status, const char* message);
  // Hands a filled completion to the JavaScript thread (any thread).
  static void Post(Completion* done);
  // Environment teardown (a natural process exit, a Worker's end; not
  // process.exit() on the main thread, which runs no cleanup hooks) with the
  // handle still open: close it synchronously before the thread-safe function goes.
  static void CloseAtTeardown(Ingestor* self);

  // IngestNowait's scratch, kept between calls (JavaScript thread only).
  std::string stream_text_;
  std::vector<std::string> name_text_;
  std::vector<simingest_column> columns_;
  std::vector<ScalarSlot> scalars_;
  std::vector<napi_value> elements_;  // names[i], dtypes[i], values[i] fetched (see ingest_nowait.cpp)
  bool in_ingest_ = false;            // inside IngestNowait: a nested call is refused
  std::vector<std::unique_ptr<ScalarPlan>> scalar_plans_;  // by slot; null: none set

  LoanState* loans_ = nullptr;            // open loans (JavaScript thread only)
  simingest_ingestor* handle_ = nullptr;  // JavaScript thread only
  CompletionChannel tsfn_;
  Napi::Env::CleanupHook<void (*)(Ingestor*), Ingestor> teardown_hook_;
  unsigned pending_ = 0;       // JavaScript thread only
  bool closing_ = false;       // JavaScript thread only
  bool channel_released_ = false;
  bool torn_down_ = false;     // set by CloseAtTeardown: the channel belongs to Node now
};

}  // namespace simingest_node
