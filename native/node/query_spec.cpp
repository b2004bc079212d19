#include "query_spec.hpp"

#include "frame_values.hpp"
#include "simingest_error.hpp"

namespace simingest_node {
namespace {

[[noreturn]] void Invalid(Napi::Env env, const std::string& message) {
  ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, message);
}

Napi::Array PairField(Napi::Env env, Napi::Object spec, const char* name) {
  Napi::Value value = spec.Get(name);
  if (!value.IsArray() || value.As<Napi::Array>().Length() != 2) {
    Invalid(env, std::string("query spec: ") + name + " must be a pair [from, to]");
  }
  return value.As<Napi::Array>();
}

double NumberElement(Napi::Env env, Napi::Array pair, uint32_t i, const char* name) {
  Napi::Value value = pair.Get(i);
  if (!value.IsNumber()) Invalid(env, std::string("query spec: ") + name + " must hold numbers");
  return value.As<Napi::Number>().DoubleValue();
}

}  // namespace

std::string StreamArgument(Napi::Env env, Napi::Value value) {
  if (!value.IsString()) Invalid(env, "query: the stream must be a string");
  std::string text = value.As<Napi::String>().Utf8Value();
  if (text.find('\0') != std::string::npos) Invalid(env, "query: the stream name contains a NUL byte");
  return text;
}

void ReadQuerySpec(Napi::Env env, Napi::Value value, QuerySpecArgs* out) {
  if (!value.IsObject()) Invalid(env, "query: the spec must be an object");
  Napi::Object spec = value.As<Napi::Object>();
  simingest_query_spec& c = out->spec;

  Napi::Value columns = spec.Get("columns");
  if (!columns.IsUndefined()) {
    if (!columns.IsArray()) Invalid(env, "query spec: columns must be an array of strings");
    Napi::Array list = columns.As<Napi::Array>();
    out->names.reserve(list.Length());
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Value name = list.Get(i);
      if (!name.IsString()) Invalid(env, "query spec: columns must be an array of strings");
      out->names.push_back(name.As<Napi::String>().Utf8Value());
      if (out->names.back().find('\0') != std::string::npos) {
        Invalid(env, "query spec: a column name contains a NUL byte");
      }
    }
    // Pointers only once `names` no longer grows (its strings may move while it does).
    for (const std::string& name : out->names) out->pointers.push_back(name.c_str());
    c.columns = out->pointers.data();
    c.ncolumns = out->pointers.size();
  }
  if (!spec.Get("steps").IsUndefined()) {
    Napi::Array pair = PairField(env, spec, "steps");
    c.has_steps = 1;
    c.step_from = StepArgument(env, pair.Get(0u));
    c.step_to = StepArgument(env, pair.Get(1u));
  }
  if (!spec.Get("time").IsUndefined()) {
    Napi::Array pair = PairField(env, spec, "time");
    c.has_time = 1;
    c.time_from = NumberElement(env, pair, 0, "time");
    c.time_to = NumberElement(env, pair, 1, "time");
  }
  Napi::Value every = spec.Get("every");
  if (!every.IsUndefined()) c.every = StepArgument(env, every);
  if (spec.Get("perFrame").ToBoolean().Value()) c.flags |= SIMINGEST_QUERY_BATCH_PER_FRAME;
  if (spec.Get("assemble").ToBoolean().Value()) c.flags |= SIMINGEST_QUERY_ASSEMBLE;
}

}  // namespace simingest_node
