// inspect_report_json on hand-written manifests: a version 1 manifest (no
// checksums, no quarantine list) still summarises, and a schema that lacks
// what the summary shows is a corrupt manifest naming the key path.
#include "storage/inspect_report.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.hpp"
#include "support/scratch_directory.hpp"

namespace simingest::storage {
namespace {

using nlohmann::json;
using testing_support::ScratchDirectory;
using testing_support::write_text_file;

std::string version_1_manifest(const std::string& schema) {
  return R"({
  "format": "simingest-manifest", "version": 1, "nextFileSeq": 3,
  "streams": { "fields": { "schema": )" + schema + R"( } },
  "files": [
    { "stream": "fields", "partition": 0, "path": "fields/part=0/part-00000001-3f9a1c2e.parquet",
      "rows": 8, "frames": 2, "rowGroups": 1, "bytes": 900, "stepMin": 0, "stepMax": 1,
      "timeMin": 0.0, "timeMax": 0.5,
      "columns": [ { "name": "step", "uncompressedBytes": 40, "compressedBytes": 20 },
                   { "name": "vx", "uncompressedBytes": 100, "compressedBytes": 40 } ],
      "committedAt": "2026-11-25T16:30:00Z" },
    { "stream": "fields", "partition": 1, "path": "fields/part=1/part-00000002-3f9a1c2e.parquet",
      "rows": 4, "frames": 1, "rowGroups": 2, "bytes": 700, "stepMin": 100, "stepMax": 100,
      "timeMin": 5.0, "timeMax": 5.0,
      "columns": [ { "name": "vx", "uncompressedBytes": 60, "compressedBytes": 60 } ],
      "committedAt": "2026-11-25T16:31:00Z" }
  ]
})";
}

constexpr const char* kSchema =
    R"({"columns":[{"name":"vx","dtype":"float32"}],"grid":[2,2],"partition":{"steps":100}})";

TEST(InspectReport, summarises_a_version_1_manifest) {
  ScratchDirectory scratch;
  write_text_file(scratch / "_simingest/manifest.json", version_1_manifest(kSchema));
  const json summary = json::parse(inspect_report_json(scratch.path()));
  EXPECT_EQ(summary.at("formatVersion"), 1);
  EXPECT_EQ(summary.at("manifestSource"), "manifest.json");
  EXPECT_EQ(summary.at("files"), 2);
  EXPECT_EQ(summary.at("bytes"), 1600);
  EXPECT_EQ(summary.at("quarantined"), json::array());
  const json& fields = summary.at("streams").at(0);
  EXPECT_EQ(fields.at("partitions"), json::parse("[0, 1]"));
  EXPECT_EQ(fields.at("frames"), 3);
  EXPECT_EQ(fields.at("rows"), 12);
  EXPECT_EQ(fields.at("rowGroups"), 3);
  EXPECT_EQ(fields.at("steps"), json::parse(R"({"min": 0, "max": 100})"));
  EXPECT_EQ(fields.at("time"), json::parse(R"({"min": 0.0, "max": 5.0})"));
  EXPECT_EQ(fields.at("columns"), json::parse(R"([
    {"name": "step", "dtype": "int64", "uncompressedBytes": 40, "compressedBytes": 20, "compressionRatio": 2.0,
     "min": 0, "max": 100, "nanCount": 0},
    {"name": "time", "dtype": "float64", "uncompressedBytes": 0, "compressedBytes": 0, "compressionRatio": null,
     "min": 0.0, "max": 5.0, "nanCount": 0},
    {"name": "vx", "dtype": "float32", "uncompressedBytes": 160, "compressedBytes": 100, "compressionRatio": 1.6,
     "min": null, "max": null, "nanCount": null}
  ])"));
}

TEST(InspectReport, a_schema_without_what_the_summary_shows_is_a_corrupt_manifest_naming_the_key) {
  const struct {
    const char* schema;
    const char* where;
  } cases[] = {
      {R"({"grid":[],"partition":{}})", "streams.fields.schema.columns: missing"},
      {R"({"columns":[{"name":"vx"}],"grid":[],"partition":{}})", "streams.fields.schema.columns[0].dtype: expected a string"},
      {R"({"columns":[],"grid":3,"partition":{}})", "streams.fields.schema.grid: expected an array"},
      {R"({"columns":[],"grid":[]})", "streams.fields.schema.partition: missing"},
  };
  for (const auto& c : cases) {
    ScratchDirectory scratch;
    write_text_file(scratch / "_simingest/manifest.json", version_1_manifest(c.schema));
    try {
      inspect_report_json(scratch.path());
      ADD_FAILURE() << c.schema;
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::corrupt);
      EXPECT_EQ(std::string(e.what()),
                scratch / "_simingest/manifest.json" + ": corrupt manifest: " + c.where);
    }
  }
}

}  // namespace
}  // namespace simingest::storage
