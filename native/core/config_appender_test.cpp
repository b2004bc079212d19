// streams.*.appender: when a row appender hands its rows to the engine (ADR 0021).
#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "support/config_error.hpp"

namespace simingest {
namespace {

using testing_support::config_error;

std::string document(const std::string& appender) {
  return R"({"streams":{"joints":{"columns":{"q":"float64"})" + appender + "}}}";
}

TEST(ConfigAppender, defaults_to_65536_rows_or_100_ms) {
  const Config config = parse_config(document(""));
  EXPECT_EQ(config.streams[0].appender.rows, 65536);
  EXPECT_EQ(config.streams[0].appender.interval_ms, 100);
}

TEST(ConfigAppender, takes_rows_and_interval_within_their_bounds) {
  const Config config = parse_config(document(R"(,"appender":{"rows":1,"intervalMs":0})"));
  EXPECT_EQ(config.streams[0].appender.rows, 1);
  EXPECT_EQ(config.streams[0].appender.interval_ms, 0);
  EXPECT_EQ(parse_config(document(R"(,"appender":{"rows":16777216})")).streams[0].appender.rows, 16777216);
}

TEST(ConfigAppender, rejects_bad_values_naming_the_key_path) {
  EXPECT_EQ(config_error(document(R"(,"appender":{"rows":0})")),
            "streams.joints.appender.rows: expected an integer from 1 to 16777216 but received 0");
  EXPECT_EQ(config_error(document(R"(,"appender":{"rows":16777217})")),
            "streams.joints.appender.rows: expected an integer from 1 to 16777216 but received 16777217");
  EXPECT_EQ(config_error(document(R"(,"appender":{"intervalMs":-1})")),
            "streams.joints.appender.intervalMs: expected an integer from 0 (never) to 2147483647 milliseconds but "
            "received -1");
  EXPECT_EQ(config_error(document(R"(,"appender":{"row":5})")), "streams.joints.appender.row: unknown key");
  EXPECT_EQ(config_error(document(R"(,"appender":5)")), "streams.joints.appender: expected an object but received 5");
}

}  // namespace
}  // namespace simingest
