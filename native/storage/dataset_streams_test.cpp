#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/config_limits.hpp"
#include "core/status.hpp"
#include "storage/dataset.hpp"
#include "support/scratch_directory.hpp"
#include "support/status_of.hpp"

namespace simingest::storage {
namespace {

using testing_support::read_text_file;
using testing_support::ScratchDirectory;
using testing_support::status_of;

const std::string kSchema = R"({"columns":[{"name":"v","dtype":"float64"}]})";
const std::string kOtherSchema = R"({"columns":[{"name":"v","dtype":"float32"}]})";

std::vector<std::pair<std::string, std::string>> streams_named(const std::string& prefix, std::size_t count) {
  std::vector<std::pair<std::string, std::string>> streams;
  for (std::size_t i = 0; i < count; ++i) streams.emplace_back(prefix + std::to_string(i), kSchema);
  return streams;
}

nlohmann::json manifest_streams(const std::string& root) {
  return nlohmann::json::parse(read_text_file(root + "/_simingest/manifest.json"))["streams"];
}

Status status_of_registering(Dataset& dataset, const std::vector<std::pair<std::string, std::string>>& streams,
                             std::string& message) {
  return status_of([&] { dataset.register_streams(streams); }, message);
}

TEST(DatasetStreams, a_conflict_registers_none_of_the_new_streams) {
  ScratchDirectory scratch;
  Dataset::open(scratch.path())->register_stream("known", kSchema);
  auto dataset = Dataset::open(scratch.path());
  std::string message;
  EXPECT_EQ(status_of_registering(*dataset, {{"fresh", kSchema}, {"known", kOtherSchema}}, message),
            Status::schema_conflict);
  EXPECT_NE(message.find("stream \"known\": schema differs"), std::string::npos) << message;
  const auto streams = manifest_streams(scratch.path());
  EXPECT_EQ(streams.size(), 1u);
  EXPECT_FALSE(streams.contains("fresh"));
  // And in memory: the next registration writes "fresh" only if asked to.
  dataset->register_stream("other", kSchema);
  EXPECT_FALSE(manifest_streams(scratch.path()).contains("fresh"));
}

TEST(DatasetStreams, the_dataset_holds_at_most_the_stream_limit_over_several_opens) {
  ScratchDirectory scratch;
  Dataset::open(scratch.path())->register_streams(streams_named("a", kMaxStreams - 1));
  auto dataset = Dataset::open(scratch.path());
  std::string message;
  // Up to the limit, known streams included, is fine...
  EXPECT_EQ(status_of_registering(*dataset, {{"a0", kSchema}, {"b0", kSchema}}, message), Status::ok) << message;
  EXPECT_EQ(manifest_streams(scratch.path()).size(), kMaxStreams);
  // ...one more is a config error naming the limit, and nothing is written.
  EXPECT_EQ(status_of_registering(*dataset, {{"b1", kSchema}}, message), Status::config);
  EXPECT_EQ(message, "streams: the dataset has 10000 streams and the configuration adds 1 "
                     "but at most 10000 streams are allowed per dataset");
  EXPECT_EQ(manifest_streams(scratch.path()).size(), kMaxStreams);
}

}  // namespace
}  // namespace simingest::storage
