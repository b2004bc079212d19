// A frame layout of scalar columns that one stream's small frames repeat call
// after call (lib/scalar_plan.ts). TypeScript learns it from a frame the
// engine accepted through ingestNowait, writes each later frame's values into
// the plan's staging ArrayBuffer (8 bytes a column, a ScalarSlot each), and
// calls ingestPlanned(slot, step, time): no names, arrays or values cross
// N-API per call, only three numbers. The engine still matches the column
// table against the stream and checks every value (non-finite policy, time)
// on each call, so every refusal names stream and column as on the slow path.
//
// JavaScript thread only, like the rest of Ingestor.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "simingest.h"

namespace simingest_node {

struct ScalarPlan {
  std::string stream;
  std::vector<std::string> names;        // the columns' UTF-8 names; `columns` points into them
  std::vector<simingest_column> columns;  // data: staging + 8 * i, length SIMINGEST_SCALAR
  // Held so its backing store (off the V8 heap, never moved) outlives
  // `columns`. Only lib/scalar_plan.ts sees the buffer, and it never
  // transfers or detaches it.
  Napi::Reference<Napi::ArrayBuffer> staging;
};

// Slots are numbered by TypeScript, one per declared stream at most; this
// bounds a slot number from a caller that bypassed lib/.
constexpr uint32_t kMaxScalarPlans = 1u << 16;

}  // namespace simingest_node
