// The router's configuration: route, realtime settings and durability
// (core/config.cpp), defaults and refusals naming the key.
#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "support/config_error.hpp"

namespace simingest {
namespace {

using testing_support::config_error;

std::string with_stream(const std::string& stream) {
  return R"({"streams":{"fields":{"columns":{"vx":"float32"})" + stream + "}}}";
}

TEST(ConfigRoute, defaults_to_batch_and_ack_after_accept) {
  const Config config = parse_config(with_stream(""));
  EXPECT_EQ(config.streams[0].route, StreamRoute::batch);
  EXPECT_EQ(config.streams[0].realtime.every_steps, 1);
  EXPECT_EQ(config.streams[0].realtime.sync_every_ms, 50);
  EXPECT_EQ(config.streams[0].realtime.sync_every_frames, 4096);
  EXPECT_EQ(config.streams[0].realtime.codec, AvroCodec::null);
  EXPECT_TRUE(config.streams[0].realtime.compact);
  EXPECT_EQ(config.durability, Durability::ack_after_accept);
}

TEST(ConfigRoute, compact_is_a_boolean_of_route_realtime_only) {
  EXPECT_FALSE(parse_config(with_stream(R"(,"route":"realtime","realtime":{"compact":false})")).streams[0].realtime.compact);
  EXPECT_EQ(config_error(with_stream(R"(,"route":"realtime","realtime":{"compact":"no"})")),
            R"(streams.fields.realtime.compact: expected true or false but received "no")");
  EXPECT_EQ(config_error(with_stream(R"(,"route":"both","realtime":{"compact":true})")),
            R"(streams.fields.realtime.compact: applies to route "realtime" only ("both" writes Parquet already))");
}

TEST(ConfigRoute, parses_route_realtime_settings_and_durability) {
  const Config config = parse_config(
      R"({"durability":"ack-after-fsync","streams":{"fields":{"columns":{"vx":"float32"},"route":"both",)"
      R"("realtime":{"everySteps":10,"syncEveryMs":5,"syncEveryFrames":100,"codec":"zstandard"}}}})");
  const StreamConfig& stream = config.streams[0];
  EXPECT_EQ(stream.route, StreamRoute::both);
  EXPECT_EQ(stream.realtime.every_steps, 10);
  EXPECT_EQ(stream.realtime.sync_every_ms, 5);
  EXPECT_EQ(stream.realtime.sync_every_frames, 100);
  EXPECT_EQ(stream.realtime.codec, AvroCodec::zstandard);
  EXPECT_EQ(config.durability, Durability::ack_after_fsync);
  EXPECT_EQ(parse_config(with_stream(R"(,"route":"realtime","realtime":{"codec":"deflate"})")).streams[0].realtime.codec,
            AvroCodec::deflate);
}

TEST(ConfigRoute, refuses_bad_values_naming_the_key) {
  EXPECT_EQ(config_error(with_stream(R"(,"route":"fast")")),
            R"(streams.fields.route: expected one of "batch", "realtime", "both" but received "fast")");
  EXPECT_EQ(config_error(with_stream(R"(,"route":"both","realtime":{"everySteps":0})")),
            "streams.fields.realtime.everySteps: expected an integer from 1 to 2147483647 but received 0");
  EXPECT_EQ(config_error(with_stream(R"(,"route":"both","realtime":{"codec":"snappy"})")),
            R"(streams.fields.realtime.codec: expected one of "null", "deflate", "zstandard" but received "snappy")");
  EXPECT_EQ(config_error(with_stream(R"(,"route":"both","realtime":{"syncEveryMs":-1})")),
            "streams.fields.realtime.syncEveryMs: expected an integer from 0 to 3600000 (ms) but received -1");
  EXPECT_EQ(config_error(with_stream(R"(,"route":"both","realtime":{"fsync":true})")),
            "streams.fields.realtime.fsync: unknown key");
  EXPECT_EQ(config_error(R"({"durability":"eventually","streams":{"f":{"columns":{"v":"int32"}}}})"),
            R"(durability: expected one of "ack-after-accept", "ack-after-fsync" but received "eventually")");
}

TEST(ConfigRoute, refuses_settings_that_do_not_fit_the_route) {
  EXPECT_EQ(config_error(with_stream(R"(,"realtime":{"codec":"null"})")),
            R"(streams.fields.realtime: applies to route "realtime" or "both" only)");
  EXPECT_EQ(config_error(with_stream(R"(,"route":"realtime","realtime":{"everySteps":2})")),
            R"(streams.fields.realtime.everySteps: applies to route "both" only)");
  EXPECT_EQ(config_error(R"({"streams":{"f":{"columns":{"n":"uint64"},"route":"realtime"}}})"),
            "streams.f.columns.n: uint64 cannot take the realtime path (Avro has no unsigned 64-bit type)");
  EXPECT_EQ(config_error(R"({"streams":{"_realtime":{"columns":{"v":"int32"}}}})"),
            "streams._realtime: reserved: the realtime log's directory");
}

}  // namespace
}  // namespace simingest
