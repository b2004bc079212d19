// The native half of lib/ingestor.ts: one simingest_ingestor handle behind a
// JavaScript object. Everything here is mechanism; argument shapes are checked
// in TypeScript and every rule about frames lives in the engine.
//
// Threads and what must stay true:
//  - The JavaScript thread never waits. ingestNowait() copies or returns
//    WOULD_BLOCK; waitForRoom() registers a one-shot engine callback; flush()
//    and close() run on a std::thread of their own (never the libuv pool, whose
//    four threads other modules need for file and DNS work).
//  - Every completion (room callback, flush, close) comes back through the one
//    thread-safe function `tsfn_`; it is referenced only while some completion
//    is pending, so an idle ingestor does not keep the process alive.
//  - simingest_close() must not race with other calls on the handle: flush
//    threads hold `lifecycle_` shared, the close thread holds it exclusively,
//    and calls made on the JavaScript thread are refused once `closing_` is set
//    (which happens on that same thread before the close thread starts).
//  - A flush or close thread posts its completion while still holding
//    `lifecycle_`, then counts itself out of `threads_` (its last use of this
//    object). The close thread first waits for the flush threads started before
//    it (a shared_mutex is not fair: a flush thread could otherwise lose the
//    lock to it and then post to a released channel); CloseAtTeardown waits for
//    all of them, since Node frees the channel right after it. The threads are
//    joined by whoever settles their completion — also at teardown, where
//    Node unloads the addon after a Worker ends: no thread may outlive that.
#pragma once

#include <napi.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "frame_values.hpp"
#include "simingest.h"

namespace simingest_node {

class Ingestor;

// One pending completion. Created and settled on the JavaScript thread; an
// engine or helper thread only fills `status`/`message` and posts it.
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
  std::thread thread;  // flush/close: joined (or detached at teardown) when settled
};

void SettleCompletion(Napi::Env env, Napi::Function unused, Ingestor* owner, Completion* done);
using CompletionChannel = Napi::TypedThreadSafeFunction<Ingestor, Completion, SettleCompletion>;

class Ingestor : public Napi::ObjectWrap<Ingestor> {
 public:
  static Napi::Function Define(Napi::Env env);
  // open(path, configJson) -> Promise<Ingestor>; simingest_open runs on its own thread.
  static Napi::Value Open(const Napi::CallbackInfo& info);

  explicit Ingestor(const Napi::CallbackInfo& info);
  ~Ingestor() override;

  Ingestor(const Ingestor&) = delete;
  Ingestor& operator=(const Ingestor&) = delete;

 private:
  friend void SettleCompletion(Napi::Env, Napi::Function, Ingestor*, Completion*);

  // (stream, step, time, names[], dtypes[], values[]) -> 0 (copied) or 16 (WOULD_BLOCK)
  Napi::Value IngestNowait(const Napi::CallbackInfo& info);
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

  void ThrowIfClosed(Napi::Env env) const;
  void BeginPending(Napi::Env env);
  void EndPending(Napi::Env env);
  // Engine-thread callback of simingest_notify_room.
  static void OnRoom(void* user_data, simingest_status status);
  // Environment teardown (a natural process exit, a Worker's end; not
  // process.exit() on the main thread, which runs no cleanup hooks) with the
  // handle still open: close it synchronously before the thread-safe function goes.
  static void CloseAtTeardown(Ingestor* self);
  // threads_ bookkeeping (see the top of this file).
  void ThreadStarting();
  void ThreadPosted();
  void WaitForThreads(unsigned at_most);

  // IngestNowait's scratch, kept between calls (JavaScript thread only).
  std::string stream_text_;
  std::vector<std::string> name_text_;
  std::vector<simingest_column> columns_;
  std::vector<ScalarSlot> scalars_;
  std::vector<napi_value> elements_;  // names[i], dtypes[i], values[i] fetched (see ingest_nowait.cpp)
  bool in_ingest_ = false;            // inside IngestNowait: a nested call is refused

  simingest_ingestor* handle_ = nullptr;
  std::shared_mutex lifecycle_;
  std::mutex threads_mutex_;
  std::condition_variable threads_posted_;
  unsigned threads_ = 0;  // flush/close threads that have not posted yet; under threads_mutex_
  CompletionChannel tsfn_;
  Napi::Env::CleanupHook<void (*)(Ingestor*), Ingestor> teardown_hook_;
  unsigned pending_ = 0;       // JavaScript thread only
  bool closing_ = false;       // JavaScript thread only
  bool channel_released_ = false;
  bool torn_down_ = false;     // set by CloseAtTeardown: the channel belongs to Node now
};

}  // namespace simingest_node
