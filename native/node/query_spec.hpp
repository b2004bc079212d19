// The query object lib/query.ts builds, as a simingest_query_spec. lib/ has
// checked its shape already; only what cannot be carried is refused here, and
// every rule about values (inverted or NaN ranges, every < 1, unknown columns)
// is the engine's.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "simingest.h"

namespace simingest_node {

// A filled spec and the strings its pointers refer to. Not copyable: `spec`
// points into `pointers`, which points into `names`.
struct QuerySpecArgs {
  QuerySpecArgs() = default;
  QuerySpecArgs(const QuerySpecArgs&) = delete;
  QuerySpecArgs& operator=(const QuerySpecArgs&) = delete;

  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  std::vector<std::string> names;
  std::vector<const char*> pointers;
};

// Reads { columns?: string[], steps?: [from, to], time?: [t0, t1], every: number|bigint,
// perFrame: boolean } into `out`; throws ERR_INVALID_ARGUMENT naming the field otherwise.
void ReadQuerySpec(Napi::Env env, Napi::Value value, QuerySpecArgs* out);

// The stream name argument as UTF-8 without NUL; throws ERR_INVALID_ARGUMENT otherwise.
std::string StreamArgument(Napi::Env env, Napi::Value value);

}  // namespace simingest_node
