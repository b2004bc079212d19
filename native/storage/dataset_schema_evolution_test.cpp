// Schema evolution at the dataset (storage/dataset_streams.cpp,
// storage/schema_history.cpp): what registering an evolved schema writes to
// the manifest, what reopening reads back, and what is refused unchanged.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/status.hpp"
#include "kernels/crc32c.hpp"
#include "storage/dataset.hpp"
#include "storage/manifest.hpp"
#include "storage/manifest_store.hpp"
#include "storage/schema_summary.hpp"
#include "support/scratch_directory.hpp"
#include "support/status_of.hpp"

namespace simingest::storage {
namespace {

using testing_support::read_text_file;
using testing_support::ScratchDirectory;
using testing_support::status_of;

const std::string kV1 = R"({"columns":[{"name":"a","dtype":"int16"},{"name":"b","dtype":"float32"}],"grid":[],"partition":{}})";
const std::string kV2 =
    R"({"columns":[{"name":"a","dtype":"int16"},{"name":"b","dtype":"float32"},{"name":"c","dtype":"uint8"}],"grid":[],"partition":{}})";
const std::string kV3 = R"({"columns":[{"name":"a","dtype":"int64"},{"name":"c","dtype":"uint8"}],"grid":[],"partition":{}})";

nlohmann::json manifest_json(const std::string& root) {
  return nlohmann::json::parse(read_text_file(root + "/_simingest/manifest.json"));
}

TEST(DatasetSchemaEvolution, strict_refuses_any_change_as_before) {
  ScratchDirectory scratch;
  Dataset::open(scratch.path())->register_stream("s", kV1);
  auto dataset = Dataset::open(scratch.path());
  std::string message;
  EXPECT_EQ(status_of([&] { dataset->register_stream("s", kV2); }, message), Status::schema_conflict);
  EXPECT_NE(message.find("stream \"s\": schema differs from the dataset's"), std::string::npos) << message;
  EXPECT_EQ(manifest_json(scratch.path())["version"], kManifestVersion);
}

TEST(DatasetSchemaEvolution, a_stream_that_never_evolved_keeps_the_version_2_manifest) {
  ScratchDirectory scratch;
  Dataset::open(scratch.path())->register_stream("s", kV1);
  Dataset::open(scratch.path())->register_stream("s", kV1, SchemaEvolution::additive);
  const nlohmann::json manifest = manifest_json(scratch.path());
  EXPECT_EQ(manifest["version"], 2);
  EXPECT_FALSE(manifest["streams"]["s"].contains("schemaHistory"));
  EXPECT_EQ(Dataset::open(scratch.path())->schema_version("s"), 1);
  EXPECT_FALSE(std::filesystem::exists(scratch.path() + "/s/_common_metadata"));
}

TEST(DatasetSchemaEvolution, additive_records_each_version_and_reopening_reads_them_back) {
  ScratchDirectory scratch;
  Dataset::open(scratch.path())->register_stream("s", kV1);
  Dataset::open(scratch.path())->register_stream("s", kV2, SchemaEvolution::additive);
  Dataset::open(scratch.path())->register_stream("s", kV3, SchemaEvolution::additive);
  const nlohmann::json manifest = manifest_json(scratch.path());
  EXPECT_EQ(manifest["version"], 3);
  const nlohmann::json& stream = manifest["streams"]["s"];
  EXPECT_EQ(stream["schema"], nlohmann::json::parse(kV3));
  EXPECT_EQ(stream["schemaVersion"], 3);
  ASSERT_EQ(stream["schemaHistory"].size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(stream["schemaHistory"][i]["version"], i + 1);
  EXPECT_EQ(stream["schemaHistory"][0]["schema"], nlohmann::json::parse(kV1));
  EXPECT_EQ(stream["schemaHistory"][1]["schema"], nlohmann::json::parse(kV2));
  EXPECT_TRUE(stream["schemaHistory"][1]["fromStep"].is_null());  // nothing committed with it
  EXPECT_FALSE(stream["schemaHistory"][2]["registeredAt"].get<std::string>().empty());

  auto reopened = Dataset::open(scratch.path());
  EXPECT_EQ(reopened->schema_version("s"), 3);
  ASSERT_EQ(reopened->schema_histories().at("s").size(), 3u);
  EXPECT_EQ(reopened->schema_histories().at("s")[0].schema, kV1);
  // The summary file: a footer-only Parquet file (pyarrow reads it in test/python/test_schema_evolution.py).
  const std::string summary = read_text_file(scratch.path() + "/s/_common_metadata");
  EXPECT_EQ(summary.substr(0, 4), "PAR1");
  EXPECT_EQ(summary.substr(summary.size() - 4), "PAR1");
  EXPECT_EQ(summary, schema_summary_bytes("s", reopened->schema_histories().at("s")));
  // The same schema again is no new version; strict accepts the newest one as is.
  reopened->register_stream("s", kV3, SchemaEvolution::strict);
  EXPECT_EQ(reopened->schema_version("s"), 3);
}

TEST(DatasetSchemaEvolution, a_conflicting_evolution_names_the_rule_and_changes_nothing) {
  ScratchDirectory scratch;
  Dataset::open(scratch.path())->register_stream("s", kV2);
  const std::string before = read_text_file(scratch.path() + "/_simingest/manifest.json");
  auto dataset = Dataset::open(scratch.path());
  std::string message;
  const std::string narrowed = R"({"columns":[{"name":"a","dtype":"int8"}],"grid":[],"partition":{}})";
  EXPECT_EQ(status_of([&] { dataset->register_streams({{"new", kV1}, {"s", narrowed}}, SchemaEvolution::additive); },
                      message),
            Status::schema_conflict);
  EXPECT_NE(message.find(R"(stream "s": column "a": int16 → int8 (narrowing) breaks the rule)"), std::string::npos)
      << message;
  EXPECT_EQ(read_text_file(scratch.path() + "/_simingest/manifest.json"), before);
  EXPECT_EQ(dataset->schema_version("s"), 1);
}

TEST(DatasetSchemaEvolution, evolution_while_another_ingestor_holds_the_dataset_is_locked_out) {
  ScratchDirectory scratch;
  auto holder = Dataset::open(scratch.path());
  holder->register_stream("s", kV1);
  std::string message;
  EXPECT_EQ(status_of([&] { Dataset::open(scratch.path())->register_stream("s", kV2, SchemaEvolution::additive); },
                      message),
            Status::dataset_locked);
  EXPECT_EQ(holder->schema_version("s"), 1);
}

TEST(DatasetSchemaEvolution, a_manifest_of_a_newer_build_is_refused_and_left_as_it_is) {
  ScratchDirectory scratch;
  Dataset::open(scratch.path())->register_stream("s", kV1);
  // What a newer build would write: a higher version, with its own valid CRC-32C.
  const std::string primary = scratch.path() + "/_simingest/manifest.json";
  const std::string backup = scratch.path() + "/_simingest/manifest.bak.json";
  std::string body = read_text_file(primary);
  body.resize(body.rfind(",\n  \"manifestCrc32c\""));
  const std::string from = "\"version\": 2";
  body.replace(body.find(from), from.size(), "\"version\": 4");
  const std::string newer =
      body + ",\n  \"manifestCrc32c\": \"" + checksum_text(kernels::crc32c(body.data(), body.size())) + "\"\n}\n";
  for (const std::string& path : {primary, backup}) std::ofstream(path, std::ios::binary | std::ios::trunc) << newer;

  std::string message;
  EXPECT_EQ(status_of([&] { Dataset::open(scratch.path()); }, message), Status::schema_conflict);
  EXPECT_NE(message.find("written by a newer simingest (manifest version 4"), std::string::npos) << message;
  EXPECT_EQ(read_text_file(primary), newer);
  EXPECT_EQ(read_text_file(backup), newer);
  EXPECT_FALSE(std::filesystem::exists(scratch.path() + "/_simingest/quarantine"));
}

}  // namespace
}  // namespace simingest::storage
