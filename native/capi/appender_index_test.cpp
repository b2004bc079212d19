// Appended rows in the committed time index (ADR 0021, storage::records_frames):
// each appended row is a frame of its own step and time. A row group of
// appended rows only (one row per frame) records no frame entries, its step
// and time columns being the index already; a row group where whole frames
// dominate records every frame, each appended row its own one-row entry.
// The sequencer builds these entries only when the row group is sealed and
// the rule says they are kept (issue 15 goal 4), so both cases are pinned
// here from the manifest a reader sees.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "simingest.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kConfig = R"({"streams": {"joints": {"columns": {"q0": "float64", "q1": "float64"},
    "appender": {"rows": 1000, "intervalMs": 0}}}, "workers": 2})";

class Dir {
 public:
  Dir() {
    std::string pattern = (fs::temp_directory_path() / "simingest-appender-index-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~Dir() { fs::remove_all(path); }
  std::string path;
};

simingest_ingestor* open_ingestor(const std::string& path) {
  simingest_ingestor* ingestor = nullptr;
  char* error = nullptr;
  EXPECT_EQ(simingest_open(path.c_str(), kConfig, &ingestor, &error), SIMINGEST_OK) << (error ? error : "");
  simingest_free(error);
  return ingestor;
}

void append_rows(simingest_appender* appender, int64_t first, int64_t count) {
  for (int64_t step = first; step < first + count; ++step) {
    const double row[2] = {static_cast<double>(step), -static_cast<double>(step)};
    ASSERT_EQ(simingest_appender_append_row(appender, step, static_cast<double>(step) / 100, row), SIMINGEST_OK)
        << simingest_appender_last_error(appender);
  }
}

// Every row-group index entry of the committed files, in file order.
std::vector<json> committed_row_groups(const std::string& path) {
  std::ifstream in(fs::path(path) / "_simingest" / "manifest.json");
  EXPECT_TRUE(in.good());
  const json manifest = json::parse(in);
  std::vector<json> groups;
  for (const json& file : manifest["files"])
    for (const json& group : file["rowGroupIndex"]) groups.push_back(group);
  return groups;
}

// Appends rows first..first+count-1 through an appender, closes it and the
// ingestor, and returns the committed row groups' index entries.
std::vector<json> append_and_close(simingest_ingestor*& ingestor, const std::string& path, int64_t first,
                                   int64_t count) {
  simingest_appender* appender = nullptr;
  EXPECT_EQ(simingest_appender_open(ingestor, "joints", &appender), SIMINGEST_OK);
  append_rows(appender, first, count);
  EXPECT_EQ(simingest_appender_close(&appender), SIMINGEST_OK);
  EXPECT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
  return committed_row_groups(path);
}

TEST(AppenderIndex, a_row_group_of_appended_rows_only_records_no_frame_entries) {
  Dir dir;
  simingest_ingestor* ingestor = open_ingestor(dir.path);
  const std::vector<json> groups = append_and_close(ingestor, dir.path, 0, 300);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0]["rows"], 300);
  EXPECT_EQ(groups[0]["frames"], 300);  // each appended row a frame
  EXPECT_FALSE(groups[0].contains("frameIndex"));
}

TEST(AppenderIndex, appended_rows_beside_a_whole_frame_are_each_a_one_row_entry) {
  Dir dir;
  simingest_ingestor* ingestor = open_ingestor(dir.path);
  constexpr int64_t kFrameRows = 1024;
  std::vector<double> q0(kFrameRows, 0.5), q1(kFrameRows, -0.5);
  const simingest_column columns[2] = {{"q0", SIMINGEST_FLOAT64, q0.data(), kFrameRows},
                                       {"q1", SIMINGEST_FLOAT64, q1.data(), kFrameRows}};
  ASSERT_EQ(simingest_ingest(ingestor, "joints", 0, 0.0, columns, 2), SIMINGEST_OK) << simingest_last_error(ingestor);
  const std::vector<json> groups = append_and_close(ingestor, dir.path, 1, 4);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0]["rows"], kFrameRows + 4);
  EXPECT_EQ(groups[0]["frames"], 5);
  // 1028 rows over 5 frames: the index keeps frames (records_frames), in order.
  const json expected = json::parse("[[0, 0.0, 1024], [1, 0.01, 1], [2, 0.02, 1], [3, 0.03, 1], [4, 0.04, 1]]");
  ASSERT_TRUE(groups[0].contains("frameIndex"));
  EXPECT_EQ(groups[0]["frameIndex"], expected);
}

}  // namespace
