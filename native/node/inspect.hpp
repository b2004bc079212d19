// inspectJson(path): the summary simingest_inspect_json() builds, as JSON
// text; lib/inspect.ts parses it. Everything about the manifest (reading it,
// its CRC-32C, which copy to use) lives in the engine.
//
// The read runs on the libuv pool (Napi::AsyncWorker), never on the
// JavaScript thread: a manifest grows with the number of committed files (a
// few hundred KiB to some MiB), which is the work fs.readFile does on that
// pool too. It takes no lock and never waits on a writer, so it holds a pool
// thread only for the time of one file read.
#pragma once

#include <napi.h>

namespace simingest_node {

// inspectJson(path: string): Promise<string>; rejects with a SimingestError.
Napi::Value InspectJson(const Napi::CallbackInfo& info);
// verifyJson(path: string): Promise<string>, simingest_verify_json(). It reads
// every byte of the dataset, so it holds a pool thread for that long: meant
// for the CLI (`simingest verify`), not for a server's event loop.
Napi::Value VerifyJson(const Napi::CallbackInfo& info);

}  // namespace simingest_node
