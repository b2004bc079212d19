// The status and message of the Error a call throws (Status::ok and an
// untouched message when it throws none), for tests that assert both of a
// refusal. Test-only.
#pragma once

#include <functional>
#include <string>

#include "core/status.hpp"

namespace simingest::testing_support {

inline Status status_of(const std::function<void()>& call, std::string& message) {
  try {
    call();
  } catch (const Error& e) {
    message = e.what();
    return e.status();
  }
  return Status::ok;
}

}  // namespace simingest::testing_support
