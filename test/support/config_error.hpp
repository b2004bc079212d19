// The message of the config Error that parsing a document throws, for the
// configuration tests (native/core/config*_test.cpp). Test-only.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "core/status.hpp"

namespace simingest::testing_support {

// Fails the test if parsing `json` throws nothing or another status than
// config, and then returns "". Documents of limit tests run to megabytes:
// a failure quotes short ones and gives the size of long ones.
inline std::string config_error(const std::string& json) {
  try {
    parse_config(json);
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::config) << e.what();
    return e.what();
  }
  constexpr std::size_t kQuotedBytes = 200;
  if (json.size() <= kQuotedBytes) {
    ADD_FAILURE() << "accepted: " << json;
  } else {
    ADD_FAILURE() << "accepted a document of " << json.size() << " bytes";
  }
  return "";
}

}  // namespace simingest::testing_support
