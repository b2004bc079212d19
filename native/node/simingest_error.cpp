#include "simingest_error.hpp"

namespace simingest_node {

Napi::Value MakeError(Napi::Env env, simingest_status status, const std::string& message) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data == nullptr || data->error_class.IsEmpty()) {
    Napi::Error plain = Napi::Error::New(env, message);
    plain.Set("status", Napi::Number::New(env, static_cast<double>(status)));
    return plain.Value();
  }
  return data->error_class.New(
      {Napi::String::New(env, message), Napi::Number::New(env, static_cast<double>(status))});
}

void ThrowError(Napi::Env env, simingest_status status, const std::string& message) {
  throw Napi::Error(env, MakeError(env, status, message));
}

std::string LastError(const simingest_ingestor* handle, simingest_status status) {
  const char* message = simingest_last_error(handle);
  if (message != nullptr && message[0] != '\0') return message;
  return simingest_status_string(status);
}

}  // namespace simingest_node
