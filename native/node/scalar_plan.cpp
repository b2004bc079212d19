// Ingestor::SetScalarPlan / IngestPlanned (scalar_plan.hpp): the small-frame
// path of tryIngest() for frames of scalars in a layout seen before.
#include "scalar_plan.hpp"

#include <memory>
#include <new>
#include <string>

#include "frame_values.hpp"
#include "ingestor.hpp"
#include "simingest_error.hpp"

namespace simingest_node {
namespace {

[[noreturn]] void BadPlan(Napi::Env env, const std::string& what) {
  ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "setScalarPlan: " + what);
}

bool IsScalarDtype(int32_t code) { return code >= SIMINGEST_FLOAT32 && code <= SIMINGEST_UINT64; }

}  // namespace

Napi::Value Ingestor::SetScalarPlan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  if (info.Length() < 5 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsArray() ||
      !info[3].IsArray() || !info[4].IsArrayBuffer()) {
    BadPlan(env, "(slot, stream, names, dtypes, staging) expected");
  }
  const uint32_t slot = info[0].As<Napi::Number>().Uint32Value();
  if (slot >= kMaxScalarPlans) BadPlan(env, "slot " + std::to_string(slot) + " out of range");
  Napi::Array names = info[2].As<Napi::Array>();
  Napi::Array dtypes = info[3].As<Napi::Array>();
  Napi::ArrayBuffer staging = info[4].As<Napi::ArrayBuffer>();
  const uint32_t n = names.Length();
  if (dtypes.Length() != n) BadPlan(env, "names and dtypes differ in length");
  if (staging.ByteLength() < 8 * static_cast<size_t>(n)) BadPlan(env, "the staging buffer is too small");

  // Built aside and swapped in last, so a refusal leaves the old plan intact.
  // The arrays come from lib/ (plain arrays of strings and numbers it built),
  // so reading them runs no JavaScript; they are checked all the same.
  auto plan = std::make_unique<ScalarPlan>();
  try {
    plan->names.resize(n);
    plan->columns.resize(n);
  } catch (const std::bad_alloc&) {
    ThrowError(env, SIMINGEST_ERR_OUT_OF_MEMORY, "setScalarPlan: no memory for " + std::to_string(n) + " columns");
  }
  CopyUtf8(env, info[1], &plan->stream);
  auto* base = static_cast<unsigned char*>(staging.Data());
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value name = names.Get(i);
    Napi::Value dtype = dtypes.Get(i);
    if (!name.IsString() || !dtype.IsNumber()) BadPlan(env, "names must be strings and dtypes numbers");
    const int32_t code = dtype.As<Napi::Number>().Int32Value();
    if (!IsScalarDtype(code)) BadPlan(env, "dtype " + std::to_string(code) + " is not a scalar dtype");
    CopyUtf8(env, name, &plan->names[i]);
    simingest_column& column = plan->columns[i];
    column.dtype = static_cast<simingest_dtype>(code);
    column.length = SIMINGEST_SCALAR;
    column.data = base + 8 * static_cast<size_t>(i);
  }
  // Names are final now (no more resizes), so the pointers into them hold.
  for (uint32_t i = 0; i < n; ++i) plan->columns[i].name = plan->names[i].c_str();
  plan->staging = Napi::Persistent(staging);

  if (scalar_plans_.size() <= slot) scalar_plans_.resize(slot + 1);
  scalar_plans_[slot] = std::move(plan);
  return env.Undefined();
}

Napi::Value Ingestor::IngestPlanned(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  // Raw N-API reads: this is the per-frame call, and each checked wrapper
  // would add a type query. lib/ passes a slot it set, a safe-integer step and
  // a number; anything else is refused, never read as garbage.
  uint32_t slot = 0;
  double time = 0;
  double step_number = 0;
  int64_t step = 0;
  if (info.Length() < 3 || napi_get_value_uint32(env, info[0], &slot) != napi_ok ||
      napi_get_value_double(env, info[2], &time) != napi_ok || slot >= scalar_plans_.size() ||
      !scalar_plans_[slot]) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "ingestPlanned(slot, step, time) got bad arguments");
  }
  if (napi_get_value_double(env, info[1], &step_number) == napi_ok &&
      IntegralInRange(step_number, -9007199254740991.0, 9007199254740991.0)) {
    step = static_cast<int64_t>(step_number);
  } else {
    step = StepArgument(env, info[1]);  // a bigint, or the refusal
  }
  const ScalarPlan& plan = *scalar_plans_[slot];
  const simingest_status status = simingest_ingest_nowait(handle_, plan.stream.c_str(), step, time,
                                                          plan.columns.data(), plan.columns.size());
  if (status == SIMINGEST_OK || status == SIMINGEST_WOULD_BLOCK) {
    return Napi::Number::New(env, static_cast<double>(status));
  }
  ThrowError(env, status, LastError(handle_, status));
}

}  // namespace simingest_node
