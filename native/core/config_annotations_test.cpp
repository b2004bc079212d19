// Units, descriptions and stream metadata (issue 16 item 3): parsed, bounded,
// and carried in the stream's schema text that the manifest and every file keep.
#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "core/config_limits.hpp"
#include "support/config_error.hpp"

namespace simingest {
namespace {

using testing_support::config_error;

std::string with_stream(const std::string& stream) { return R"({"streams":{"fields":{)" + stream + "}}}"; }

TEST(ConfigAnnotations, columns_take_a_unit_and_a_description) {
  const Config config = parse_config(with_stream(
      R"("columns":{"vx":{"dtype":"float32","unit":"m/s","description":"velocity, x"},"rho":"float64"})"));
  const StreamConfig& stream = config.streams[0];
  EXPECT_EQ(stream.columns[0].unit, "m/s");
  EXPECT_EQ(stream.columns[0].description, "velocity, x");
  EXPECT_EQ(stream.columns[1].unit, "");
  EXPECT_EQ(stream_schema_json(stream),
            R"({"columns":[{"name":"vx","dtype":"float32","unit":"m/s","description":"velocity, x"},)"
            R"({"name":"rho","dtype":"float64"}],"grid":[],"partition":{}})");
}

TEST(ConfigAnnotations, stream_metadata_is_kept_as_compact_json_with_sorted_keys) {
  const Config config = parse_config(with_stream(
      R"("columns":{"v":"float64"},"metadata":{"solver":"tgv2d","version":"1.2","params":{"re":1600,"cfl":0.5,"tags":["a","é"]}})"));
  EXPECT_EQ(config.streams[0].metadata_json,
            R"({"params":{"cfl":0.5,"re":1600,"tags":["a","é"]},"solver":"tgv2d","version":"1.2"})");
  EXPECT_EQ(stream_schema_json(config.streams[0]),
            R"({"columns":[{"name":"v","dtype":"float64"}],"grid":[],"partition":{},)"
            R"("metadata":{"params":{"cfl":0.5,"re":1600,"tags":["a","é"]},"solver":"tgv2d","version":"1.2"}})");
}

TEST(ConfigAnnotations, absent_and_empty_annotations_leave_the_schema_text_as_before) {
  const std::string before = R"({"columns":[{"name":"v","dtype":"float64"}],"grid":[],"partition":{}})";
  EXPECT_EQ(stream_schema_json(parse_config(with_stream(R"("columns":{"v":"float64"})")).streams[0]), before);
  EXPECT_EQ(stream_schema_json(parse_config(with_stream(
                R"("columns":{"v":{"dtype":"float64","unit":"","description":""}},"metadata":{})"))
                                   .streams[0]),
            before);
}

TEST(ConfigAnnotations, unit_and_description_must_be_bounded_strings) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"v":{"dtype":"float64","unit":3}})")),
            "streams.fields.columns.v.unit: expected a string of at most 256 bytes but received 3");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"v":{"dtype":"float64","description":null}})")),
            "streams.fields.columns.v.description: expected a string of at most 4096 bytes but received null");
  const std::string long_unit(kMaxUnitBytes + 1, 'm');
  EXPECT_EQ(config_error(with_stream(R"("columns":{"v":{"dtype":"float64","unit":")" + long_unit + "\"}}")),
            "streams.fields.columns.v.unit: expected a string of at most 256 bytes but received 257 bytes");
  const std::string long_text(kMaxDescriptionBytes + 1, 'd');
  EXPECT_EQ(config_error(with_stream(R"("columns":{"v":{"dtype":"float64","description":")" + long_text + "\"}}")),
            "streams.fields.columns.v.description: expected a string of at most 4096 bytes but received 4097 bytes");
  EXPECT_EQ(parse_config(with_stream(R"("columns":{"v":{"dtype":"float64","unit":")" +
                                     std::string(kMaxUnitBytes, 'm') + "\"}}"))
                .streams[0].columns[0].unit.size(),
            kMaxUnitBytes);
}

TEST(ConfigAnnotations, metadata_must_be_an_object_within_the_size_limit) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"v":"float64"},"metadata":[1,2])")),
            "streams.fields.metadata: expected an object but received an array of 2 elements");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"v":"float64"},"metadata":"solver")")),
            "streams.fields.metadata: expected an object but received \"solver\"");
  // {"k":"xxx…"}: 8 bytes of syntax around the string.
  const std::string big(kMaxStreamMetadataBytes - 7, 'x');
  EXPECT_EQ(config_error(with_stream(R"("columns":{"v":"float64"},"metadata":{"k":")" + big + "\"}")),
            "streams.fields.metadata: expected an object of at most 65536 bytes as compact JSON but received "
            "65537 bytes");
  const std::string fits(kMaxStreamMetadataBytes - 8, 'x');
  EXPECT_EQ(parse_config(with_stream(R"("columns":{"v":"float64"},"metadata":{"k":")" + fits + "\"}"))
                .streams[0].metadata_json.size(),
            kMaxStreamMetadataBytes);
}

}  // namespace
}  // namespace simingest
