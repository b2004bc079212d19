#include "frame_values.hpp"

#include <cmath>
#include <cstdint>

#include "simingest_error.hpp"

namespace simingest_node {

// The element type a typed array really has; a DataView or Uint8ClampedArray
// has none the engine knows.
bool DtypeOfTypedArray(napi_typedarray_type type, simingest_dtype* out) {
  switch (type) {
    case napi_float32_array: *out = SIMINGEST_FLOAT32; return true;
    case napi_float64_array: *out = SIMINGEST_FLOAT64; return true;
    case napi_int8_array: *out = SIMINGEST_INT8; return true;
    case napi_int16_array: *out = SIMINGEST_INT16; return true;
    case napi_int32_array: *out = SIMINGEST_INT32; return true;
    case napi_bigint64_array: *out = SIMINGEST_INT64; return true;
    case napi_uint8_array: *out = SIMINGEST_UINT8; return true;
    case napi_uint16_array: *out = SIMINGEST_UINT16; return true;
    case napi_uint32_array: *out = SIMINGEST_UINT32; return true;
    case napi_biguint64_array: *out = SIMINGEST_UINT64; return true;
    default: return false;
  }
}

// Converting an out-of-range double to an integer is undefined behaviour, so
// the range is checked here even though TypeScript checked it first.
bool IntegralInRange(double v, double lo, double hi) {
  return std::isfinite(v) && std::trunc(v) == v && v >= lo && v <= hi;
}

bool FillScalar(Napi::Value value, simingest_dtype dtype, ScalarSlot* slot) {
  if (value.IsBigInt()) {
    bool lossless = false;
    if (dtype == SIMINGEST_INT64) {
      slot->i64 = value.As<Napi::BigInt>().Int64Value(&lossless);
      return lossless;
    }
    if (dtype == SIMINGEST_UINT64) {
      slot->u64 = value.As<Napi::BigInt>().Uint64Value(&lossless);
      return lossless;
    }
    return false;
  }
  if (!value.IsNumber()) return false;
  const double v = value.As<Napi::Number>().DoubleValue();
  switch (dtype) {
    case SIMINGEST_FLOAT32: slot->f32 = static_cast<float>(v); return true;
    case SIMINGEST_FLOAT64: slot->f64 = v; return true;
    case SIMINGEST_INT8:
      if (!IntegralInRange(v, INT8_MIN, INT8_MAX)) return false;
      slot->i8 = static_cast<int8_t>(v); return true;
    case SIMINGEST_INT16:
      if (!IntegralInRange(v, INT16_MIN, INT16_MAX)) return false;
      slot->i16 = static_cast<int16_t>(v); return true;
    case SIMINGEST_INT32:
      if (!IntegralInRange(v, INT32_MIN, INT32_MAX)) return false;
      slot->i32 = static_cast<int32_t>(v); return true;
    case SIMINGEST_UINT8:
      if (!IntegralInRange(v, 0, UINT8_MAX)) return false;
      slot->u8 = static_cast<uint8_t>(v); return true;
    case SIMINGEST_UINT16:
      if (!IntegralInRange(v, 0, UINT16_MAX)) return false;
      slot->u16 = static_cast<uint16_t>(v); return true;
    case SIMINGEST_UINT32:
      if (!IntegralInRange(v, 0, UINT32_MAX)) return false;
      slot->u32 = static_cast<uint32_t>(v); return true;
    case SIMINGEST_INT64:
      if (!IntegralInRange(v, -9007199254740991.0, 9007199254740991.0)) return false;
      slot->i64 = static_cast<int64_t>(v); return true;
    case SIMINGEST_UINT64:
      if (!IntegralInRange(v, 0, 9007199254740991.0)) return false;
      slot->u64 = static_cast<uint64_t>(v); return true;
  }
  return false;
}

int64_t StepArgument(Napi::Env env, Napi::Value value) {
  if (value.IsBigInt()) {
    bool lossless = false;
    const int64_t step = value.As<Napi::BigInt>().Int64Value(&lossless);
    if (lossless) return step;
  } else if (value.IsNumber()) {
    const double v = value.As<Napi::Number>().DoubleValue();
    if (IntegralInRange(v, -9007199254740991.0, 9007199254740991.0)) return static_cast<int64_t>(v);
  }
  ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "step must be an integer within int64");
}

// Napi::String::Utf8Value() allocates a new std::string each call; this
// writes into `out`, keeping its capacity, and measures only when the text
// might not have fit. V8 never splits a character, so a truncated copy can
// stop up to 3 bytes short of the buffer: anything within 4 bytes of full is
// read again at its measured length.
void CopyUtf8(Napi::Env env, napi_value value, std::string* out) {
  if (out->capacity() < 32) out->reserve(32);
  out->resize(out->capacity());
  size_t written = 0;
  NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf8(env, value, out->data(), out->size() + 1, &written));
  if (written + 4 > out->size()) {
    size_t length = 0;
    NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf8(env, value, nullptr, 0, &length));
    out->resize(length);
    NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf8(env, value, out->data(), length + 1, &written));
  }
  out->resize(written);
}

}  // namespace simingest_node
