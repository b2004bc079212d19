// writer: {id, count}: opening a dataset as one of `count` cooperating writers
// (docs/adr/0020-shared-datasets.md).
#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "support/config_error.hpp"

namespace simingest {
namespace {

using testing_support::config_error;

std::string document(const std::string& writer, const std::string& stream_extra = "") {
  return R"({"streams":{"fields":{"columns":{"vx":"float32"})" + stream_extra + "}}" +
         (writer.empty() ? "" : R"(,"writer":)" + writer) + "}";
}

TEST(ConfigWriter, absent_means_a_single_writer_dataset) {
  EXPECT_FALSE(parse_config(document("")).writer.has_value());
}

TEST(ConfigWriter, reads_id_and_count) {
  const Config config = parse_config(document(R"({"id":3,"count":4})"));
  ASSERT_TRUE(config.writer.has_value());
  EXPECT_EQ(config.writer->id, 3u);
  EXPECT_EQ(config.writer->count, 4u);
  EXPECT_EQ(parse_config(document(R"({"count":1,"id":0})")).writer->count, 1u);
}

TEST(ConfigWriter, rejects_an_id_outside_the_count_naming_both) {
  const std::string message = config_error(document(R"({"id":4,"count":4})"));
  EXPECT_NE(message.find("writer.id"), std::string::npos) << message;
  EXPECT_NE(message.find("from 0 to 3"), std::string::npos) << message;
  EXPECT_NE(message.find("writer.count is 4"), std::string::npos) << message;
}

TEST(ConfigWriter, rejects_missing_keys_bad_types_and_unknown_keys) {
  EXPECT_NE(config_error(document(R"({"id":0})")).find("writer.count: required"), std::string::npos);
  EXPECT_NE(config_error(document(R"({"count":2})")).find("writer.id: required"), std::string::npos);
  EXPECT_NE(config_error(document(R"({"id":0,"count":0})")).find("writer.count"), std::string::npos);
  EXPECT_NE(config_error(document(R"({"id":-1,"count":2})")).find("writer.id"), std::string::npos);
  EXPECT_NE(config_error(document(R"({"id":0,"count":2,"rank":0})")).find("writer.rank: unknown key"),
            std::string::npos);
  EXPECT_NE(config_error(document("[0,2]")).find("writer: expected an object"), std::string::npos);
  EXPECT_NE(config_error(document(R"({"id":0,"count":70000})")).find("writer.count"), std::string::npos);
}

TEST(ConfigWriter, refuses_a_realtime_route_in_a_shared_dataset) {
  const std::string message = config_error(document(R"({"id":0,"count":2})", R"(,"route":"realtime")"));
  EXPECT_NE(message.find("streams.fields.route"), std::string::npos) << message;
}

}  // namespace
}  // namespace simingest
