// The native half of Ingestor.subscribe() (lib/subscription.ts): a
// simingest_subscribe() whose callback, on the engine's delivery thread,
// copies each frame and posts it through the subscription's own thread-safe
// function to the JavaScript callback `emit(frame)`, and the end as
// `emit(null, error | null)`.
//
// Bounds: at most kMaxInFlight frames are posted and not yet handed to
// JavaScript; beyond that the addon drops the frame and adds it to the next
// frame's droppedBefore (never waiting: a wait on the delivery thread could
// deadlock with an unsubscribe on the JavaScript thread, which waits for the
// callback). The end is always posted; after it the channel is released and
// its finalizer frees the state.
#pragma once

#include <napi.h>

#include "simingest.h"

namespace simingest_node {

// ingestor.subscribe(stream, fromStep | null, emit[, queueFrames (0: the engine's default)[, disconnect]])
//   -> External handle
Napi::Value Subscribe(Napi::Env env, simingest_ingestor* ingestor, const Napi::CallbackInfo& info);
// dataset.subscribe(stream, fromStep | null, emit) -> External handle: the
// same delivery over simingest_dataset_subscribe (tailing the log on disk).
Napi::Value SubscribeDataset(Napi::Env env, simingest_dataset* dataset, const Napi::CallbackInfo& info);
// unsubscribe(handle): ends the subscription; a second call is a SimingestError.
Napi::Value Unsubscribe(const Napi::CallbackInfo& info);

}  // namespace simingest_node
