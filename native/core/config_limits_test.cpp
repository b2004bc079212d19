#include "core/config_limits.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "core/status.hpp"
#include "support/config_error.hpp"

namespace simingest {
namespace {

using testing_support::config_error;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A valid configuration whose stream "s" carries `depth` extra levels of
// nesting inside an unknown key: `levels` deep in total.
std::string nested(std::size_t levels) {
  // {"streams":{"s":{"columns":{"a":"int8"},"x": <levels - 3 arrays> }}}
  const std::size_t arrays = levels - 3;
  return R"({"streams":{"s":{"columns":{"a":"int8"},"x":)" + std::string(arrays, '[') +
         std::string(arrays, ']') + "}}}";
}

TEST(ConfigLimits, depth_at_the_limit_reaches_the_parser) {
  // 64 levels: not refused for depth; the unknown key is what the parser reports.
  const std::string message = config_error(nested(kMaxConfigDepth));
  EXPECT_TRUE(contains(message, "streams.s.x")) << message;
  EXPECT_FALSE(contains(message, "nest deeper")) << message;
}

TEST(ConfigLimits, depth_above_the_limit_is_refused_naming_it) {
  const std::string message = config_error(nested(kMaxConfigDepth + 1));
  EXPECT_TRUE(contains(message, "nest deeper than 64 levels")) << message;
}

TEST(ConfigLimits, ten_million_levels_fail_fast_without_a_tree) {
  // Was 2.2 GB and seconds of parsing; now a linear scan stops at byte 64.
  const std::string deep(10'000'000, '[');
  const std::string message = config_error(deep);
  EXPECT_TRUE(contains(message, "nest deeper than 64 levels (at byte 64)")) << message;
}

TEST(ConfigLimits, brackets_inside_strings_do_not_count) {
  // A name full of brackets and an escaped quote: depth 3, not 200.
  const std::string key = "\\\"" + std::string(200, '[');
  const std::string message = config_error(R"({"streams":{"s":{"columns":{"a":"int8"}}},")" + key + R"(":1})");
  EXPECT_FALSE(contains(message, "nest deeper")) << message;
  EXPECT_TRUE(contains(message, "unknown key")) << message;
}

TEST(ConfigLimits, document_size_at_and_above_the_limit) {
  // Padded with whitespace after a valid document.
  const std::string valid = R"({"streams":{"s":{"columns":{"a":"int8"}}}})";
  std::string at_limit = valid + std::string(kMaxConfigBytes - valid.size(), ' ');
  EXPECT_NO_THROW(parse_config(at_limit));
  at_limit.push_back(' ');
  EXPECT_EQ(config_error(at_limit),
            "config: the document is 16777217 bytes but at most 16777216 bytes (16 MiB) are allowed");
}

std::string with_streams(std::size_t count) {
  std::string text = R"({"streams":{)";
  for (std::size_t i = 0; i < count; ++i)
    text += (i ? ",\"s" : "\"s") + std::to_string(i) + R"(":{"columns":{"a":"int8"}})";
  return text + "}}";
}

TEST(ConfigLimits, streams_at_and_above_the_limit) {
  EXPECT_EQ(parse_config(with_streams(kMaxStreams)).streams.size(), kMaxStreams);
  EXPECT_EQ(config_error(with_streams(kMaxStreams + 1)), "streams: 10001 streams but at most 10000 are allowed");
}

std::string with_columns(std::size_t count) {
  std::string text = R"({"streams":{"s":{"columns":{)";
  for (std::size_t i = 0; i < count; ++i) text += (i ? ",\"c" : "\"c") + std::to_string(i) + R"(":"int8")";
  return text + "}}}}";
}

TEST(ConfigLimits, columns_at_and_above_the_limit) {
  EXPECT_EQ(parse_config(with_columns(kMaxColumnsPerStream)).streams[0].columns.size(), kMaxColumnsPerStream);
  EXPECT_EQ(config_error(with_columns(kMaxColumnsPerStream + 1)),
            "streams.s.columns: 10001 columns but at most 10000 are allowed");
}

TEST(ConfigLimits, grid_product_at_and_above_the_limit) {
  const std::string prefix = R"({"streams":{"s":{"columns":{"a":"int8"},"grid":)";
  EXPECT_NO_THROW(parse_config(prefix + "[1048576, 1048575]}}}"));  // 2^40 - 2^20 cells
  EXPECT_NO_THROW(parse_config(prefix + "[1099511627775]}}}"));     // 2^40 - 1
  EXPECT_TRUE(contains(config_error(prefix + "[1048576, 1048576]}}}"), "fewer than 2^40 cells"));
}

}  // namespace
}  // namespace simingest
