// Errors thrown into JavaScript are instances of the SimingestError class that
// lib/errors.ts defines and hands to the addon at load time (better-sqlite3
// style), so `instanceof`, `.code` and `.status` are the same whether a check
// failed in TypeScript or in the engine. The code string is derived from the
// numeric status in TypeScript: the table lives in one place.
#pragma once

#include <napi.h>

#include <string>

#include "simingest.h"

namespace simingest_node {

// Per-environment state: one per Node environment (main thread or worker).
struct AddonData {
  Napi::FunctionReference error_class;
  Napi::FunctionReference ingestor_class;
  Napi::FunctionReference query_stream_class;
  Napi::FunctionReference dataset_class;
  Napi::FunctionReference loaned_frame_class;
};

// A SimingestError(message, status) value; falls back to a plain Error when
// the class was not registered yet (only possible if lib/ is bypassed).
Napi::Value MakeError(Napi::Env env, simingest_status status, const std::string& message);

// Throws MakeError(...) as a C++ exception that node-addon-api turns into a
// JavaScript exception at the boundary.
[[noreturn]] void ThrowError(Napi::Env env, simingest_status status, const std::string& message);

// The engine's message for the last failure on `handle`, or the status's name.
std::string LastError(const simingest_ingestor* handle, simingest_status status);

}  // namespace simingest_node
