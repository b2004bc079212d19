#include "storage/manifest.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.hpp"
#include "support/crc32c_reference.hpp"

namespace simingest::storage {
namespace {

// A version 1 manifest (before checksums), with a concrete schema: what
// older builds wrote, still read.
const char* kDocumentedManifest = R"({
  "format": "simingest-manifest",
  "version": 1,
  "nextFileSeq": 3,
  "streams": {
    "fields": { "schema": {"columns":[{"name":"vx","dtype":"float32"},{"name":"p","dtype":"float32"}],"grid":[512,512],"partition":{"steps":100}} }
  },
  "files": [
    {
      "stream": "fields", "partition": 0,
      "path": "fields/part=0/part-00000001-3f9a1c2e.parquet",
      "rows": 524288, "frames": 2, "rowGroups": 1, "bytes": 4120334,
      "stepMin": 0, "stepMax": 1, "timeMin": 0.0, "timeMax": 0.01,
      "columns": [ { "name": "vx", "uncompressedBytes": 1048900, "compressedBytes": 700123 } ],
      "committedAt": "2026-11-25T16:30:00Z"
    }
  ]
})";

std::string error_of_parsing(const std::string& text) {
  try {
    parse_manifest(text, "/data/run/_simingest/manifest.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::corrupt);
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

std::string documented_with(const std::string& from, const std::string& to) {
  std::string text = kDocumentedManifest;
  std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(ManifestTest, reads_a_version_1_manifest_without_checksums) {
  Manifest manifest = parse_manifest(kDocumentedManifest, "manifest.json");
  EXPECT_EQ(manifest.next_file_seq, 3u);
  ASSERT_EQ(manifest.streams.size(), 1u);
  EXPECT_EQ(manifest.streams[0].first, "fields");
  EXPECT_EQ(manifest.streams[0].second,
            R"({"columns":[{"name":"vx","dtype":"float32"},{"name":"p","dtype":"float32"}],"grid":[512,512],"partition":{"steps":100}})");
  ASSERT_EQ(manifest.files.size(), 1u);
  const ManifestFile& file = manifest.files[0];
  EXPECT_EQ(file.stream, "fields");
  EXPECT_EQ(file.partition, 0);
  EXPECT_EQ(file.path, "fields/part=0/part-00000001-3f9a1c2e.parquet");
  EXPECT_EQ(file.rows, 524288);
  EXPECT_EQ(file.frames, 2);
  EXPECT_EQ(file.row_groups, 1);
  EXPECT_EQ(file.bytes, 4120334u);
  EXPECT_EQ(file.step_min, 0);
  EXPECT_EQ(file.step_max, 1);
  EXPECT_EQ(file.time_min, 0.0);
  EXPECT_EQ(file.time_max, 0.01);
  ASSERT_EQ(file.columns.size(), 1u);
  EXPECT_EQ(file.columns[0].name, "vx");
  EXPECT_EQ(file.columns[0].uncompressed_bytes, 1048900);
  EXPECT_EQ(file.columns[0].compressed_bytes, 700123);
  EXPECT_EQ(file.committed_at, "2026-11-25T16:30:00Z");
  EXPECT_FALSE(file.checksums.has_value());
  EXPECT_TRUE(manifest.quarantined.empty());
}

TEST(ManifestTest, writes_the_documented_keys) {
  Manifest manifest;
  manifest.next_file_seq = 8;
  manifest.streams.emplace_back("diagnostics", R"({"columns":[{"name":"e","dtype":"float64"}],"grid":[],"partition":{}})");
  ManifestFile file;
  file.stream = "diagnostics";
  file.partition = -2;
  file.path = "diagnostics/part=-2/part-00000007-0badc0de.parquet";
  file.rows = 12;
  file.frames = 12;
  file.row_groups = 1;
  file.bytes = 9000000000ull;
  file.step_min = -5;
  file.step_max = 6;
  file.time_min = -0.25;
  file.time_max = 1.5;
  file.columns = {{"step", 100, 50}};
  file.committed_at = "2026-01-02T03:04:05Z";
  file.checksums = FileChecksums{0xe3069283u, 321, 0x0000abcdu};
  manifest.files.push_back(file);
  manifest.quarantined.push_back({"diagnostics/part=-2/part-00000003-0badc0de.parquet",
                                  "_simingest/quarantine/diagnostics/part=-2/part-00000003-0badc0de.parquet",
                                  "truncated: 10 of 20 bytes", 4});

  const std::string text = serialize_manifest(manifest);
  nlohmann::json written = nlohmann::json::parse(text);
  // The document's own CRC-32C is its last member and covers every byte
  // before the comma that precedes it.
  const std::size_t covered = text.rfind(",\n  \"manifestCrc32c\": \"");
  ASSERT_NE(covered, std::string::npos);
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", testing_support::reference_crc32c(text.data(), covered));
  EXPECT_EQ(text.substr(covered), ",\n  \"manifestCrc32c\": \"" + std::string(hex) + "\"\n}\n");
  written.erase("manifestCrc32c");
  nlohmann::json expected = nlohmann::json::parse(R"({
    "format": "simingest-manifest", "version": 2, "nextFileSeq": 8,
    "streams": {"diagnostics": {"schema": {"columns":[{"name":"e","dtype":"float64"}],"grid":[],"partition":{}}}},
    "files": [{
      "stream": "diagnostics", "partition": -2,
      "path": "diagnostics/part=-2/part-00000007-0badc0de.parquet",
      "rows": 12, "frames": 12, "rowGroups": 1, "bytes": 9000000000,
      "stepMin": -5, "stepMax": 6, "timeMin": -0.25, "timeMax": 1.5,
      "columns": [{"name": "step", "uncompressedBytes": 100, "compressedBytes": 50}],
      "committedAt": "2026-01-02T03:04:05Z",
      "crc32c": "e3069283", "footerBytes": 321, "footerCrc32c": "0000abcd"
    }],
    "quarantined": [{
      "path": "diagnostics/part=-2/part-00000003-0badc0de.parquet",
      "movedTo": "_simingest/quarantine/diagnostics/part=-2/part-00000003-0badc0de.parquet",
      "reason": "truncated: 10 of 20 bytes", "framesLost": 4
    }]
  })");
  EXPECT_EQ(written, expected) << written.dump(2);
}

TEST(ManifestTest, schema_text_survives_a_write_and_read_byte_for_byte) {
  const std::string schema =
      R"({"columns":[{"name":"z","dtype":"uint16"},{"name":"a","dtype":"int64"}],"grid":[3,2],"partition":{"time":0.01}})";
  Manifest manifest;
  manifest.streams.emplace_back("s", schema);
  Manifest read = parse_manifest(serialize_manifest(manifest), "m");
  ASSERT_EQ(read.streams.size(), 1u);
  EXPECT_EQ(read.streams[0].second, schema);
  EXPECT_EQ(canonical_schema_text(schema), schema);
  EXPECT_EQ(canonical_schema_text("{ \"grid\" : [ 1 ] , \"columns\": [] }"), R"({"grid":[1],"columns":[]})");
}

TEST(ManifestTest, non_finite_time_is_written_as_null_and_read_back_as_nan) {
  Manifest manifest;
  ManifestFile file;
  file.stream = "s";
  file.path = "s/part=0/part-00000001-00000000.parquet";
  file.time_min = std::numeric_limits<double>::quiet_NaN();
  file.time_max = 2.0;
  manifest.files.push_back(file);
  const std::string text = serialize_manifest(manifest);
  EXPECT_TRUE(nlohmann::json::parse(text)["files"][0]["timeMin"].is_null());
  Manifest read = parse_manifest(text, "m");
  EXPECT_TRUE(std::isnan(read.files[0].time_min));
  EXPECT_EQ(read.files[0].time_max, 2.0);
}

TEST(ManifestTest, rejects_text_that_is_not_json) {
  EXPECT_EQ(error_of_parsing("{\"format\":").rfind("/data/run/_simingest/manifest.json: corrupt manifest: ", 0), 0u);
}

TEST(ManifestTest, rejects_another_format) {
  EXPECT_NE(error_of_parsing(documented_with("\"simingest-manifest\"", "\"delta-log\""))
                .find("corrupt manifest: format: expected \"simingest-manifest\""),
            std::string::npos);
}

TEST(ManifestTest, rejects_an_unknown_version) {
  EXPECT_NE(error_of_parsing(documented_with("\"version\": 1", "\"version\": 4"))
                .find("unsupported manifest version 4"),
            std::string::npos);
  EXPECT_NE(error_of_parsing(documented_with("\"version\": 1", "\"version\": 0"))
                .find("unsupported manifest version 0"),
            std::string::npos);
}

// A version 2 manifest with one file and one quarantine, as this build writes it.
std::string written_manifest() {
  Manifest manifest;
  manifest.next_file_seq = 3;
  manifest.streams.emplace_back("s", R"({"columns":[],"grid":[],"partition":{}})");
  ManifestFile file;
  file.stream = "s";
  file.path = "s/part=0/part-00000001-00000000.parquet";
  file.rows = 7;
  file.bytes = 1000;
  file.committed_at = "2026-01-02T03:04:05Z";
  file.checksums = FileChecksums{1, 2, 3};
  manifest.files.push_back(file);
  manifest.quarantined.push_back({"s/part=0/x.parquet", "_simingest/quarantine/s/part=0/x.parquet", "why", 2});
  return serialize_manifest(manifest);
}

TEST(ManifestTest, checksums_and_quarantine_list_survive_a_write_and_read) {
  Manifest read = parse_manifest(written_manifest(), "m");
  ASSERT_EQ(read.files.size(), 1u);
  ASSERT_TRUE(read.files[0].checksums.has_value());
  EXPECT_EQ(*read.files[0].checksums, (FileChecksums{1, 2, 3}));
  ASSERT_EQ(read.quarantined.size(), 1u);
  EXPECT_EQ(read.quarantined[0].path, "s/part=0/x.parquet");
  EXPECT_EQ(read.quarantined[0].moved_to, "_simingest/quarantine/s/part=0/x.parquet");
  EXPECT_EQ(read.quarantined[0].reason, "why");
  EXPECT_EQ(read.quarantined[0].frames_lost, 2);
  EXPECT_EQ(serialize_manifest(read), written_manifest());
}

TEST(ManifestTest, every_single_bit_flip_of_a_written_manifest_is_a_corrupt_error) {
  const std::string text = written_manifest();
  for (std::size_t byte = 0; byte < text.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = text;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      try {
        parse_manifest(flipped, "m");
        ADD_FAILURE() << "flip of bit " << bit << " of byte " << byte << " was not detected";
      } catch (const Error& e) {
        ASSERT_EQ(e.status(), Status::corrupt) << e.what();
        ASSERT_EQ(std::string(e.what()).rfind("m: ", 0), 0u) << e.what();
      }
    }
  }
}

TEST(ManifestTest, a_truncated_written_manifest_is_a_corrupt_error) {
  const std::string text = written_manifest();
  for (std::size_t size = 0; size < text.size(); ++size) {
    try {
      parse_manifest(text.substr(0, size), "m");
      ADD_FAILURE() << "truncation to " << size << " bytes was not detected";
    } catch (const Error& e) {
      ASSERT_EQ(e.status(), Status::corrupt) << e.what();
    }
  }
}

TEST(ManifestTest, a_version_2_manifest_needs_its_checksum) {
  std::string text = written_manifest();
  const std::size_t at = text.rfind(",\n  \"manifestCrc32c\"");
  EXPECT_NE(error_of_parsing(text.substr(0, at) + "\n}\n").find("manifestCrc32c: missing"), std::string::npos);
}

TEST(ManifestTest, file_checksums_come_all_together_or_not_at_all) {
  EXPECT_NE(error_of_parsing(documented_with("\"committedAt\"", "\"crc32c\": \"e3069283\", \"committedAt\""))
                .find("files[0]: crc32c, footerBytes and footerCrc32c must appear together"),
            std::string::npos);
  EXPECT_NE(error_of_parsing(documented_with("\"committedAt\"",
                                             "\"crc32c\": \"E3069283\", \"footerBytes\": 9, "
                                             "\"footerCrc32c\": \"00000000\", \"committedAt\""))
                .find("files[0].crc32c: expected 8 lowercase hex digits"),
            std::string::npos);
}

// The compaction mark of a realtime stream (docs/ON_DISK.md "Compaction mark"):
// written only when present, read back exactly, absent in older manifests.
TEST(ManifestTest, the_compaction_mark_survives_a_write_and_read_and_is_absent_by_default) {
  EXPECT_EQ(written_manifest().find("realtimeCompacted"), std::string::npos);
  EXPECT_TRUE(parse_manifest(written_manifest(), "m").realtime_compacted.empty());
  Manifest manifest = parse_manifest(written_manifest(), "m");
  manifest.realtime_compacted["s"] = LogMark{7, 123};
  const std::string text = serialize_manifest(manifest);
  EXPECT_NE(text.find(R"("realtimeCompacted": {)"), std::string::npos) << text;
  const Manifest read = parse_manifest(text, "m");
  ASSERT_EQ(read.realtime_compacted.size(), 1u);
  EXPECT_EQ(read.realtime_compacted.at("s"), (LogMark{7, 123}));
  EXPECT_EQ(serialize_manifest(read), text);

  manifest.realtime_compacted.clear();
  manifest.realtime_compacted["nope"] = LogMark{1, 0};
  try {
    parse_manifest(serialize_manifest(manifest), "m");
    FAIL() << "read a mark of a stream the manifest does not hold";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::corrupt);
    EXPECT_NE(std::string(e.what()).find("realtimeCompacted.nope: names no stream of the manifest"), std::string::npos)
        << e.what();
  }
}

TEST(ManifestTest, names_the_key_of_a_missing_member) {
  EXPECT_NE(error_of_parsing(documented_with("\"rowGroups\": 1,", "")).find("files[0].rowGroups: missing"),
            std::string::npos);
}

TEST(ManifestTest, names_the_key_of_a_member_of_the_wrong_type) {
  EXPECT_NE(error_of_parsing(documented_with("\"compressedBytes\": 700123", "\"compressedBytes\": -1"))
                .find("files[0].columns[0].compressedBytes: expected a non-negative integer"),
            std::string::npos);
  EXPECT_NE(error_of_parsing(documented_with("\"timeMax\": 0.01", "\"timeMax\": \"soon\""))
                .find("files[0].timeMax: expected a number"),
            std::string::npos);
}

TEST(ManifestTest, rejects_a_path_outside_its_stream_partition) {
  for (const char* path : {"../../etc/passwd.parquet", "fields/part=1/part-00000001-3f9a1c2e.parquet",
                           "fields/part=0/../part-1.parquet", "fields/part=0/part-1.txt",
                           "/abs/fields/part=0/part-1.parquet"}) {
    EXPECT_NE(error_of_parsing(documented_with("fields/part=0/part-00000001-3f9a1c2e.parquet", path))
                  .find("files[0].path"),
              std::string::npos)
        << path;
  }
}

TEST(ManifestTest, canonical_schema_text_rejects_non_objects) {
  EXPECT_THROW(canonical_schema_text("[1,2]"), Error);
  EXPECT_THROW(canonical_schema_text("{bad"), Error);
}

}  // namespace
}  // namespace simingest::storage
