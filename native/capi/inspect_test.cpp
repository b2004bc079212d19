// simingest_inspect_json() as a host sees it: the summary of what was
// written, read without the dataset lock while a writer commits, from the
// backup when the primary manifest is damaged (and saying so), and typed
// errors for a directory without a dataset and for bad arguments.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "simingest.h"
#include "simingest.hpp"
#include "support/scratch_directory.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using simingest::testing_support::read_text_file;
using simingest::testing_support::ScratchDirectory;
using simingest::testing_support::write_text_file;

// A grid stream partitioned by steps, a table stream, and a stream never written.
constexpr const char* kConfig = R"({
  "streams": {
    "fields": {"columns": {"u": "float64", "n": "int32"}, "grid": [2, 3], "partition": {"steps": 5}},
    "diag": {"columns": {"e": "float64"}},
    "idle": {"columns": {"x": "uint8"}}
  },
  "workers": 1
})";

struct Inspected {
  simingest_status status;
  json summary;        // null unless OK
  std::string error;   // *out_error, "" on success
};

Inspected inspect(const std::string& path) {
  char* out = nullptr;
  char* error = nullptr;
  Inspected result{simingest_inspect_json(path.c_str(), &out, &error), json(), ""};
  if (out != nullptr) result.summary = json::parse(out);
  if (error != nullptr) result.error = error;
  simingest_free(out);
  simingest_free(error);
  return result;
}

json summary_of(const std::string& path) {
  Inspected result = inspect(path);
  EXPECT_EQ(result.status, SIMINGEST_OK) << result.error;
  return result.summary;
}

const json& stream_named(const json& summary, const std::string& name) {
  for (const json& stream : summary.at("streams"))
    if (stream.at("name") == name) return stream;
  throw std::runtime_error("no stream " + name);
}

void ingest_fields(simingest_ingestor* ingestor, int64_t step) {
  const std::vector<double> u(6, static_cast<double>(step) * 0.5);
  const int32_t n = static_cast<int32_t>(step);
  const simingest_column columns[] = {{"u", SIMINGEST_FLOAT64, u.data(), u.size()},
                                      {"n", SIMINGEST_INT32, &n, SIMINGEST_SCALAR}};
  ASSERT_EQ(simingest_ingest(ingestor, "fields", step, static_cast<double>(step) * 0.25, columns, 2), SIMINGEST_OK)
      << simingest_last_error(ingestor);
}

void ingest_diag(simingest_ingestor* ingestor, int64_t step) {
  const double e = 1.0 / static_cast<double>(step + 1);
  const simingest_column column{"e", SIMINGEST_FLOAT64, &e, SIMINGEST_SCALAR};
  ASSERT_EQ(simingest_ingest(ingestor, "diag", step, static_cast<double>(step) * 0.25, &column, 1), SIMINGEST_OK)
      << simingest_last_error(ingestor);
}

// Steps 0..11 of fields (flushed after every 4, so several files per
// partition) and of diag, committed and closed.
void write_dataset(const std::string& path) {
  simingest_ingestor* ingestor = nullptr;
  char* error = nullptr;
  ASSERT_EQ(simingest_open(path.c_str(), kConfig, &ingestor, &error), SIMINGEST_OK) << (error ? error : "");
  for (int64_t step = 0; step < 12; ++step) {
    ingest_fields(ingestor, step);
    ingest_diag(ingestor, step);
    if (step % 4 == 3) {
      ASSERT_EQ(simingest_flush(ingestor), SIMINGEST_OK);
    }
  }
  ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK) << simingest_last_error(nullptr);
}

TEST(CapiInspect, summarises_streams_files_row_groups_and_column_bytes_as_written) {
  ScratchDirectory scratch;
  const std::string path = scratch / "ds";
  write_dataset(path);
  const json summary = summary_of(path);

  EXPECT_EQ(summary.at("path"), path);
  EXPECT_EQ(summary.at("formatVersion"), 2);
  EXPECT_EQ(summary.at("manifestSource"), "manifest.json");
  EXPECT_EQ(summary.at("quarantined"), json::array());
  ASSERT_EQ(summary.at("streams").size(), 3u);

  // What the engine wrote, independently of inspect: the manifest's own
  // entries and the data files on disk.
  const json manifest = json::parse(read_text_file(path + "/_simingest/manifest.json"));
  std::map<std::string, std::map<std::string, std::pair<int64_t, int64_t>>> column_bytes;
  std::map<std::string, int64_t> files, row_groups, disk_bytes;
  for (const json& file : manifest.at("files")) {
    const std::string stream = file.at("stream");
    files[stream] += 1;
    row_groups[stream] += file.at("rowGroups").get<int64_t>();
    disk_bytes[stream] += static_cast<int64_t>(fs::file_size(path + "/" + file.at("path").get<std::string>()));
    for (const json& column : file.at("columns")) {
      auto& sum = column_bytes[stream][column.at("name")];
      sum.first += column.at("uncompressedBytes").get<int64_t>();
      sum.second += column.at("compressedBytes").get<int64_t>();
    }
  }
  EXPECT_GE(files["fields"], 3);  // a flush closes the open files: one per partition at least
  EXPECT_EQ(summary.at("files"), manifest.at("files").size());
  EXPECT_EQ(summary.at("bytes"), disk_bytes["fields"] + disk_bytes["diag"]);

  const json& fields = stream_named(summary, "fields");
  EXPECT_EQ(fields.at("grid"), json::parse("[2, 3]"));
  EXPECT_EQ(fields.at("partitioning"), json::parse(R"({"steps": 5})"));
  EXPECT_EQ(fields.at("partitions"), json::parse("[0, 1, 2]"));
  EXPECT_EQ(fields.at("frames"), 12);
  EXPECT_EQ(fields.at("rows"), 12 * 6);
  EXPECT_EQ(fields.at("files"), files["fields"]);
  EXPECT_EQ(fields.at("rowGroups"), row_groups["fields"]);
  EXPECT_EQ(fields.at("bytes"), disk_bytes["fields"]);
  EXPECT_EQ(fields.at("steps"), json::parse(R"({"min": 0, "max": 11})"));
  EXPECT_EQ(fields.at("time"), json::parse(R"({"min": 0.0, "max": 2.75})"));
  std::vector<std::string> names;
  for (const json& column : fields.at("columns")) {
    const std::string name = column.at("name");
    names.push_back(name);
    const auto [raw, stored] = column_bytes["fields"][name];
    EXPECT_GT(stored, 0) << name;
    EXPECT_EQ(column.at("uncompressedBytes"), raw) << name;
    EXPECT_EQ(column.at("compressedBytes"), stored) << name;
    EXPECT_DOUBLE_EQ(column.at("compressionRatio").get<double>(), static_cast<double>(raw) / stored) << name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"step", "time", "u", "n"}));
  EXPECT_EQ(fields.at("columns")[3].at("dtype"), "int32");

  const json& diag = stream_named(summary, "diag");
  EXPECT_EQ(diag.at("grid"), json::array());
  EXPECT_EQ(diag.at("partitioning"), json::object());
  EXPECT_EQ(diag.at("partitions"), json::parse("[0]"));
  EXPECT_EQ(diag.at("rows"), 12);
  EXPECT_EQ(diag.at("bytes"), disk_bytes["diag"]);

  const json& idle = stream_named(summary, "idle");
  EXPECT_EQ(idle.at("files"), 0);
  EXPECT_EQ(idle.at("partitions"), json::array());
  EXPECT_TRUE(idle.at("steps").is_null());
  EXPECT_TRUE(idle.at("time").is_null());
  EXPECT_TRUE(idle.at("columns")[2].at("compressionRatio").is_null());

  // The C++ wrapper returns the same document.
  EXPECT_EQ(json::parse(simingest::inspect_json(path)), summary);
}

TEST(CapiInspect, reads_while_a_writer_holds_the_dataset_and_takes_no_lock) {
  ScratchDirectory scratch;
  const std::string path = scratch / "ds";
  simingest_ingestor* writer = nullptr;
  ASSERT_EQ(simingest_open(path.c_str(), kConfig, &writer, nullptr), SIMINGEST_OK);
  ingest_fields(writer, 0);
  ASSERT_EQ(simingest_flush(writer), SIMINGEST_OK);
  // The writer holds the lock: a second writer is refused, inspect is not.
  simingest_ingestor* second = nullptr;
  ASSERT_EQ(simingest_open(path.c_str(), kConfig, &second, nullptr), SIMINGEST_ERR_DATASET_LOCKED);
  EXPECT_EQ(stream_named(summary_of(path), "fields").at("frames"), 1);

  // Inspect in a loop on another thread while the writer keeps committing:
  // every read succeeds and sees a committed state, never going backwards.
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, failures{0};
  int64_t last_frames = 0;
  std::thread reader([&] {
    do {
      Inspected result = inspect(path);
      if (result.status != SIMINGEST_OK) {
        failures.fetch_add(1);
        continue;
      }
      const int64_t frames = stream_named(result.summary, "fields").at("frames");
      if (frames < last_frames) failures.fetch_add(1);
      last_frames = frames;
      reads.fetch_add(1);
    } while (!done.load());
  });
  for (int64_t step = 1; step < 40; ++step) {
    ingest_fields(writer, step);
    ASSERT_EQ(simingest_flush(writer), SIMINGEST_OK) << simingest_last_error(writer);
  }
  done.store(true);
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(stream_named(summary_of(path), "fields").at("frames"), 40);
  ASSERT_EQ(simingest_close(&writer), SIMINGEST_OK);
}

TEST(CapiInspect, reads_the_backup_when_the_primary_is_damaged_says_why_and_repairs_nothing) {
  ScratchDirectory scratch;
  const std::string path = scratch / "ds";
  write_dataset(path);
  const json before = summary_of(path);
  const std::string primary = path + "/_simingest/manifest.json";
  const std::string backup = path + "/_simingest/manifest.bak.json";

  // One digit of a row count: still valid JSON, caught by the CRC-32C.
  std::string edited = read_text_file(primary);
  const std::size_t at = edited.find("\"rows\": ") + 8;
  edited[at] = edited[at] == '9' ? '8' : static_cast<char>(edited[at] + 1);
  write_text_file(primary, edited);
  json after = summary_of(path);
  const std::string source = after.at("manifestSource");
  EXPECT_EQ(source.rfind("manifest.bak.json (manifest.json damaged: corrupt manifest: manifestCrc32c: "
                         "CRC-32C mismatch (document ", 0),
            0u)
      << source;
  EXPECT_EQ(after.at("streams"), before.at("streams"));
  EXPECT_EQ(after.at("files"), before.at("files"));
  EXPECT_EQ(read_text_file(primary), edited);  // read-only: the next open repairs it

  fs::remove(primary);
  after = summary_of(path);
  EXPECT_EQ(after.at("manifestSource"), "manifest.bak.json (manifest.json missing)");
  EXPECT_EQ(after.at("streams"), before.at("streams"));

  // No good copy left: typed error naming both copies and why.
  write_text_file(primary, edited);
  write_text_file(backup, "{\"format\": \"simingest-manifest\"");
  const Inspected broken = inspect(path);
  EXPECT_EQ(broken.status, SIMINGEST_ERR_CORRUPT);
  EXPECT_TRUE(broken.summary.is_null());
  EXPECT_NE(broken.error.find(primary + ": corrupt manifest: manifestCrc32c: CRC-32C mismatch"), std::string::npos)
      << broken.error;
  EXPECT_NE(broken.error.find(backup + ": corrupt manifest"), std::string::npos) << broken.error;
  EXPECT_STREQ(simingest_last_error(nullptr), broken.error.c_str());
}

TEST(CapiInspect, a_directory_without_a_dataset_is_an_io_error_naming_the_manifest_path) {
  ScratchDirectory scratch;
  for (const std::string& path : {scratch.path(), scratch / "absent"}) {
    const Inspected result = inspect(path);
    EXPECT_EQ(result.status, SIMINGEST_ERR_IO) << path;
    EXPECT_TRUE(result.summary.is_null());
    EXPECT_EQ(result.error, path + "/_simingest/manifest.json: not a simingest dataset (no manifest)");
  }
  EXPECT_FALSE(fs::exists(scratch / "absent"));  // nothing created
  try {
    simingest::inspect_json(scratch.path());
    ADD_FAILURE() << "expected simingest::Error";
  } catch (const simingest::Error& e) {
    EXPECT_EQ(e.status(), SIMINGEST_ERR_IO);
  }
}

TEST(CapiInspect, null_or_empty_arguments_are_invalid_arguments) {
  char* out = reinterpret_cast<char*>(0x1);  // must be reset to NULL
  char* error = nullptr;
  EXPECT_EQ(simingest_inspect_json(nullptr, &out, &error), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  ASSERT_NE(error, nullptr);
  EXPECT_STREQ(error, "path is NULL");
  simingest_free(error);
  EXPECT_EQ(simingest_inspect_json("", &out, nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(simingest_last_error(nullptr), "path is empty");
  EXPECT_EQ(simingest_inspect_json("/tmp", nullptr, &error), SIMINGEST_ERR_INVALID_ARGUMENT);
  ASSERT_NE(error, nullptr);
  EXPECT_STREQ(error, "out_json is NULL");
  simingest_free(error);
}

}  // namespace
