// Reading one frame's JavaScript values into what the C ABI takes: typed-array
// dtypes, scalars checked against their dtype, steps, UTF-8 names. None of
// these calls runs JavaScript (no getters, no valueOf): IngestNowait relies on
// that once it has fetched the values from their arrays.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

#include "simingest.h"

namespace simingest_node {

// Storage for one scalar column value; the engine reads exactly one element.
union ScalarSlot {
  float f32;
  double f64;
  int8_t i8;
  int16_t i16;
  int32_t i32;
  int64_t i64;
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
};

// The element type a typed array really has; false for Uint8ClampedArray.
bool DtypeOfTypedArray(napi_typedarray_type type, simingest_dtype* out);

// True when `v` is an integer within [lo, hi] (so converting it is defined).
bool IntegralInRange(double v, double lo, double hi);

// Writes a number or bigint into `slot` as `dtype`; false when it does not fit.
bool FillScalar(Napi::Value value, simingest_dtype dtype, ScalarSlot* slot);

// A step as int64; throws ERR_INVALID_ARGUMENT for anything else.
int64_t StepArgument(Napi::Env env, Napi::Value value);

// The UTF-8 text of a string value into `out`, reusing its capacity.
void CopyUtf8(Napi::Env env, napi_value value, std::string* out);

}  // namespace simingest_node
