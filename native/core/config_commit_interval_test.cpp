// commitIntervalMs: the dataset's bound on staleness and each stream's override.
#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "support/config_error.hpp"

namespace simingest {
namespace {

using testing_support::config_error;

std::string document(const std::string& top, const std::string& stream) {
  return R"({"streams":{"fields":{"columns":{"vx":"float32"})" + stream + "}}" + top + "}";
}

TEST(ConfigCommitInterval, defaults_to_a_minute_for_every_stream) {
  const Config config = parse_config(document("", ""));
  EXPECT_EQ(config.commit_interval_ms, 60000);
  EXPECT_FALSE(config.streams[0].commit_interval_ms.has_value());
  EXPECT_EQ(config.commit_interval_ms_of(config.streams[0]), 60000);
}

TEST(ConfigCommitInterval, a_stream_overrides_the_dataset) {
  const Config config = parse_config(R"({"commitIntervalMs":250,"streams":{
      "a":{"columns":{"v":"float64"}},
      "b":{"columns":{"v":"float64"},"commitIntervalMs":0},
      "c":{"columns":{"v":"float64"},"commitIntervalMs":1e3}}})");
  EXPECT_EQ(config.commit_interval_ms, 250);
  EXPECT_EQ(config.commit_interval_ms_of(config.streams[0]), 250);
  EXPECT_EQ(config.commit_interval_ms_of(config.streams[1]), 0);
  EXPECT_EQ(config.commit_interval_ms_of(config.streams[2]), 1000);
}

TEST(ConfigCommitInterval, zero_turns_it_off_and_the_bounds_are_accepted) {
  EXPECT_EQ(parse_config(document(R"(,"commitIntervalMs":0)", "")).commit_interval_ms, 0);
  EXPECT_EQ(parse_config(document(R"(,"commitIntervalMs":2147483647)", "")).commit_interval_ms, 2147483647);
}

TEST(ConfigCommitInterval, rejects_values_outside_the_range_naming_the_key_path) {
  const std::string what = "expected an integer from 0 (never) to 2147483647 milliseconds but received ";
  EXPECT_EQ(config_error(document(R"(,"commitIntervalMs":-1)", "")), "commitIntervalMs: " + what + "-1");
  EXPECT_EQ(config_error(document(R"(,"commitIntervalMs":2147483648)", "")),
            "commitIntervalMs: " + what + "2147483648");
  EXPECT_EQ(config_error(document(R"(,"commitIntervalMs":1.5)", "")), "commitIntervalMs: " + what + "1.5");
  EXPECT_EQ(config_error(document("", R"(,"commitIntervalMs":"1s")")),
            "streams.fields.commitIntervalMs: " + what + "\"1s\"");
  EXPECT_EQ(config_error(document("", R"(,"commitIntervalMs":null)")),
            "streams.fields.commitIntervalMs: " + what + "null");
}

}  // namespace
}  // namespace simingest
