#include "storage/dataset.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "support/parquet_framed.hpp"
#include "support/scratch_directory.hpp"

namespace simingest::storage {
namespace {

using testing_support::directory_names;
using testing_support::exists;
using testing_support::parquet_framed;
using testing_support::read_text_file;
using testing_support::ScratchDirectory;
using testing_support::write_text_file;

const char* kFieldsSchema =
    R"({"columns":[{"name":"vx","dtype":"float32"}],"grid":[4],"partition":{"steps":100}})";

// `shape` is literal text where '#' stands for a decimal digit and '?' for a
// lowercase hex digit (std::regex trips GCC 12 warnings under -Werror).
bool has_shape(const std::string& text, const std::string& shape) {
  if (text.size() != shape.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool digit = c >= '0' && c <= '9';
    if (shape[i] == '#' ? !digit : shape[i] == '?' ? !(digit || (c >= 'a' && c <= 'f')) : c != shape[i])
      return false;
  }
  return true;
}

nlohmann::json read_manifest_json(const std::string& dataset) {
  return nlohmann::json::parse(read_text_file(dataset + "/_simingest/manifest.json"));
}

ManifestFile entry_with_rows(int64_t rows) {
  ManifestFile entry;
  entry.rows = rows;
  entry.frames = 1;
  entry.row_groups = 1;
  entry.step_min = 10;
  entry.step_max = 10;
  entry.time_min = 0.5;
  entry.time_max = 0.5;
  entry.columns = {{"step", 20, 10}, {"time", 21, 11}, {"vx", 400, 300}};
  return entry;
}

// Writes parquet_framed(`body`) as one file of `stream`/`partition` and commits it.
std::string commit_text(Dataset& dataset, const std::string& stream, int64_t partition,
                        const std::string& body) {
  const std::string contents = parquet_framed(body);
  auto file = dataset.begin_file(stream, partition);
  file->write(contents.data(), contents.size());
  dataset.commit_file(std::move(file), entry_with_rows(4));
  return dataset.files().back().path;
}

// A manifest text written by hand, listing `files_json` (a JSON array).
std::string manifest_text(const std::string& files_json, int next_file_seq = 10) {
  return R"({"format":"simingest-manifest","version":1,"nextFileSeq":)" +
         std::to_string(next_file_seq) + R"(,"streams":{"fields":{"schema":)" + kFieldsSchema +
         R"(}},"files":)" + files_json + "}";
}

std::string file_entry_json(const std::string& path, uint64_t bytes) {
  return R"({"stream":"fields","partition":0,"path":")" + path +
         R"(","rows":4,"frames":1,"rowGroups":1,"bytes":)" + std::to_string(bytes) +
         R"(,"stepMin":0,"stepMax":0,"timeMin":0.0,"timeMax":0.0,"columns":[],"committedAt":"2026-01-01T00:00:00Z"})";
}

TEST(DatasetTest, creates_dataset_directory_with_parents_manifest_and_lock) {
  ScratchDirectory scratch;
  const std::string root = scratch / "a/b/run42";
  auto dataset = Dataset::open(root);

  EXPECT_EQ(dataset->root(), root);
  EXPECT_TRUE(std::filesystem::is_directory(root + "/_simingest"));
  EXPECT_TRUE(exists(root + "/_simingest/lock"));
  nlohmann::json manifest = read_manifest_json(root);
  EXPECT_EQ(manifest["format"], "simingest-manifest");
  EXPECT_EQ(manifest["version"], kManifestVersion);
  EXPECT_EQ(manifest["nextFileSeq"], 1);
  EXPECT_TRUE(manifest["streams"].is_object() && manifest["streams"].empty());
  EXPECT_TRUE(manifest["files"].is_array() && manifest["files"].empty());
  EXPECT_TRUE(dataset->files().empty());
}

TEST(DatasetTest, rejects_dataset_path_that_is_a_regular_file) {
  ScratchDirectory scratch;
  const std::string path = scratch / "not-a-directory";
  write_text_file(path, "x");
  try {
    Dataset::open(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::io);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(DatasetTest, pending_file_is_hidden_until_commit) {
  ScratchDirectory scratch;
  auto dataset = Dataset::open(scratch.path());
  dataset->register_stream("fields", kFieldsSchema);
  auto file = dataset->begin_file("fields", 0);
  file->write("PAR1", 4);
  file->write("body", 4);

  std::vector<std::string> names = directory_names(scratch / "fields/part=0");
  ASSERT_EQ(names.size(), 1u);
  EXPECT_TRUE(has_shape(names[0], ".part-00000001-????????.parquet.inprogress"))
      << names[0];
  EXPECT_TRUE(read_manifest_json(scratch.path())["files"].empty());
}

TEST(DatasetTest, commit_makes_file_visible_under_final_name_and_lists_it) {
  ScratchDirectory scratch;
  auto dataset = Dataset::open(scratch.path());
  dataset->register_stream("fields", kFieldsSchema);
  auto file = dataset->begin_file("fields", 0);
  const std::string contents = parquet_framed(" some column chunks ");
  file->write(contents.data(), contents.size());
  EXPECT_EQ(file->size(), contents.size());
  CommitTimings timings = dataset->commit_file(std::move(file), entry_with_rows(4));

  std::vector<std::string> names = directory_names(scratch / "fields/part=0");
  ASSERT_EQ(names.size(), 1u);  // the in-progress name is gone
  EXPECT_TRUE(has_shape(names[0], "part-00000001-????????.parquet")) << names[0];
  EXPECT_EQ(read_text_file(scratch / ("fields/part=0/" + names[0])), contents);
  EXPECT_GT(timings.fsync_ns, 0);
  EXPECT_GE(timings.write_ns, 0);

  nlohmann::json manifest = read_manifest_json(scratch.path());
  ASSERT_EQ(manifest["files"].size(), 1u);
  const nlohmann::json& listed = manifest["files"][0];
  EXPECT_EQ(listed["stream"], "fields");
  EXPECT_EQ(listed["partition"], 0);
  EXPECT_EQ(listed["path"], "fields/part=0/" + names[0]);
  EXPECT_EQ(listed["bytes"], contents.size());
  EXPECT_EQ(listed["rows"], 4);
  EXPECT_EQ(listed["stepMin"], 10);
  EXPECT_EQ(listed["timeMax"], 0.5);
  EXPECT_EQ(listed["columns"][2]["name"], "vx");
  EXPECT_EQ(listed["columns"][2]["compressedBytes"], 300);
  EXPECT_TRUE(has_shape(listed["committedAt"].get<std::string>(), "####-##-##T##:##:##Z"))
      << listed["committedAt"];
  EXPECT_EQ(manifest["nextFileSeq"], 2);

  ASSERT_EQ(dataset->files().size(), 1u);
  EXPECT_EQ(dataset->files()[0].path, "fields/part=0/" + names[0]);
  EXPECT_EQ(dataset->files()[0].bytes, contents.size());
}

TEST(DatasetTest, negative_partition_gets_its_own_directory) {
  ScratchDirectory scratch;
  auto dataset = Dataset::open(scratch.path());
  const std::string path = commit_text(*dataset, "fields", -1, "data");
  EXPECT_EQ(path.rfind("fields/part=-1/part-", 0), 0u) << path;
  EXPECT_EQ(read_text_file(scratch / path), parquet_framed("data"));
  EXPECT_EQ(dataset->files()[0].partition, -1);
}

TEST(DatasetTest, reopen_loads_manifest_and_continues_file_sequence) {
  ScratchDirectory scratch;
  std::string first, second;
  {
    auto dataset = Dataset::open(scratch.path());
    dataset->register_stream("fields", kFieldsSchema);
    first = commit_text(*dataset, "fields", 0, "one");
    second = commit_text(*dataset, "fields", 1, "two");
  }
  auto dataset = Dataset::open(scratch.path());
  ASSERT_EQ(dataset->files().size(), 2u);
  EXPECT_EQ(dataset->files()[0].path, first);
  EXPECT_EQ(dataset->files()[1].path, second);
  EXPECT_EQ(dataset->files()[1].bytes, parquet_framed("two").size());
  const std::string third = commit_text(*dataset, "fields", 0, "three");
  EXPECT_NE(third.find("/part-00000003-"), std::string::npos) << third;
  // A new session writes under a new writer id.
  EXPECT_NE(third.substr(third.size() - 16), first.substr(first.size() - 16));
  EXPECT_EQ(read_text_file(scratch / first), parquet_framed("one"));
}

TEST(DatasetTest, new_stream_is_persisted_at_once) {
  ScratchDirectory scratch;
  auto dataset = Dataset::open(scratch.path());
  dataset->register_stream("fields", kFieldsSchema);
  nlohmann::json manifest = read_manifest_json(scratch.path());
  EXPECT_EQ(manifest["streams"]["fields"]["schema"], nlohmann::json::parse(kFieldsSchema));
}

TEST(DatasetTest, same_schema_on_reopen_is_accepted) {
  ScratchDirectory scratch;
  Dataset::open(scratch.path())->register_stream("fields", kFieldsSchema);
  auto dataset = Dataset::open(scratch.path());
  EXPECT_NO_THROW(dataset->register_stream("fields", kFieldsSchema));
}

TEST(DatasetTest, different_schema_on_reopen_is_a_schema_conflict) {
  ScratchDirectory scratch;
  Dataset::open(scratch.path())->register_stream("fields", kFieldsSchema);
  auto dataset = Dataset::open(scratch.path());
  const std::string changed =
      R"({"columns":[{"name":"vx","dtype":"float64"}],"grid":[4],"partition":{"steps":100}})";
  try {
    dataset->register_stream("fields", changed);
    FAIL() << "expected a schema conflict";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::schema_conflict);
    EXPECT_EQ(std::string(e.what()),
              std::string("stream \"fields\": schema differs from the dataset's: dataset has ") +
                  kFieldsSchema + ", configuration has " + changed);
  }
  // The dataset's schema is unchanged on disk.
  EXPECT_EQ(read_manifest_json(scratch.path())["streams"]["fields"]["schema"],
            nlohmann::json::parse(kFieldsSchema));
}

TEST(DatasetTest, second_open_of_the_same_dataset_is_refused_while_the_first_is_open) {
  ScratchDirectory scratch;
  {
    auto first = Dataset::open(scratch.path());
    try {
      Dataset::open(scratch.path());
      FAIL() << "expected the dataset to be locked";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::dataset_locked);
      EXPECT_EQ(std::string(e.what()), scratch.path() + ": dataset is open in another ingestor");
    }
  }
  EXPECT_NO_THROW(Dataset::open(scratch.path()));  // closing released the lock
}

TEST(DatasetTest, destroyed_uncommitted_pending_file_leaves_nothing_behind) {
  ScratchDirectory scratch;
  auto dataset = Dataset::open(scratch.path());
  auto file = dataset->begin_file("fields", 0);
  std::vector<char> bytes(5 << 20, 'x');  // more than the buffer: some reach the disk
  file->write(bytes.data(), bytes.size());
  file.reset();
  EXPECT_TRUE(directory_names(scratch / "fields/part=0").empty());
  EXPECT_TRUE(dataset->files().empty());
}

TEST(DatasetTest, pending_file_keeps_byte_order_across_buffer_boundaries) {
  ScratchDirectory scratch;
  auto dataset = Dataset::open(scratch.path());
  auto file = dataset->begin_file("fields", 0);
  // Small writes, one that crosses the 4 MiB buffer's end, one larger than
  // the buffer (written directly) and a tail left in the buffer at commit.
  std::string expected = "PAR1";
  file->write("PAR1", 4);
  auto append = [&](std::size_t size, char first) {
    std::string chunk(size, '\0');
    for (std::size_t i = 0; i < size; ++i) chunk[i] = static_cast<char>(first + i % 251);
    file->write(chunk.data(), chunk.size());
    expected += chunk;
  };
  append(10, 'a');
  append(3 << 20, 'b');
  append(2 << 20, 'c');
  append(9 << 20, 'd');
  append(4 << 20, 'e');
  append(7, 'f');
  // Committing needs a Parquet tail (footer, its length, "PAR1").
  const std::string tail = parquet_framed("").substr(4);
  file->write(tail.data(), tail.size());
  expected += tail;
  EXPECT_EQ(file->size(), expected.size());
  dataset->commit_file(std::move(file), entry_with_rows(1));
  EXPECT_EQ(dataset->files()[0].bytes, expected.size());
  EXPECT_TRUE(read_text_file(scratch / dataset->files()[0].path) == expected);
}

TEST(DatasetTest, pending_file_reaches_the_disk_in_whole_buffers) {
  ScratchDirectory scratch;
  auto dataset = Dataset::open(scratch.path());
  auto file = dataset->begin_file("fields", 0);
  const std::string hidden = scratch / ("fields/part=0/" + directory_names(scratch / "fields/part=0")[0]);
  std::vector<char> bytes(4 << 20, 'x');
  file->write(bytes.data(), 100);
  EXPECT_EQ(std::filesystem::file_size(hidden), 0u);
  file->write(bytes.data(), (4 << 20) - 101);
  EXPECT_EQ(std::filesystem::file_size(hidden), 0u);
  file->write(bytes.data(), 1);  // fills the buffer exactly
  EXPECT_EQ(std::filesystem::file_size(hidden), 4u << 20);
  EXPECT_EQ(file->size(), 4u << 20);
}

TEST(DatasetTest, recovery_finishes_the_rename_of_a_committed_file) {
  ScratchDirectory scratch;
  const std::string path = "fields/part=0/part-00000007-abcdef01.parquet";
  const std::string contents = parquet_framed("12345");
  write_text_file(scratch / "_simingest/manifest.json",
                  manifest_text("[" + file_entry_json(path, contents.size()) + "]"));
  write_text_file(scratch / "fields/part=0/.part-00000007-abcdef01.parquet.inprogress", contents);

  auto dataset = Dataset::open(scratch.path());
  EXPECT_EQ(directory_names(scratch / "fields/part=0"),
            std::vector<std::string>{"part-00000007-abcdef01.parquet"});
  EXPECT_EQ(read_text_file(scratch / path), contents);
  ASSERT_EQ(dataset->files().size(), 1u);
  EXPECT_EQ(dataset->files()[0].path, path);
  EXPECT_EQ(read_manifest_json(scratch.path())["files"].size(), 1u);
}

TEST(DatasetTest, recovery_deletes_orphan_inprogress_files_and_nothing_else) {
  ScratchDirectory scratch;
  const std::string committed = "fields/part=0/part-00000001-abcdef01.parquet";
  const std::string contents = parquet_framed("abc");
  write_text_file(scratch / "_simingest/manifest.json",
                  manifest_text("[" + file_entry_json(committed, contents.size()) + "]"));
  write_text_file(scratch / committed, contents);
  write_text_file(scratch / "fields/part=0/.part-00000002-abcdef01.parquet.inprogress", "half");
  write_text_file(scratch / "fields/part=-3/.part-00000003-abcdef01.parquet.inprogress", "half");
  write_text_file(scratch / "fields/part=0/notes.txt", "user file");
  write_text_file(scratch / "_simingest/manifest.json.tmp", "{half a manifest");

  auto dataset = Dataset::open(scratch.path());
  EXPECT_EQ(directory_names(scratch / "fields/part=0"),
            (std::vector<std::string>{"notes.txt", "part-00000001-abcdef01.parquet"}));
  EXPECT_TRUE(directory_names(scratch / "fields/part=-3").empty());
  EXPECT_FALSE(exists(scratch / "_simingest/manifest.json.tmp"));
  ASSERT_EQ(dataset->files().size(), 1u);
  EXPECT_EQ(read_text_file(scratch / committed), contents);
  // Everything removed is reported, the half-written manifest copy included.
  std::vector<std::string> removed;
  for (const auto& leftover : dataset->recovery().removed) removed.push_back(leftover.path);
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::string>{"_simingest/manifest.json.tmp",
                                               "fields/part=-3/.part-00000003-abcdef01.parquet.inprogress",
                                               "fields/part=0/.part-00000002-abcdef01.parquet.inprogress"}));
  EXPECT_FALSE(dataset->recovery().clean());
}

TEST(DatasetTest, recovery_deletes_orphans_of_a_dataset_without_manifest) {
  ScratchDirectory scratch;
  write_text_file(scratch / "fields/part=0/.part-00000001-abcdef01.parquet.inprogress", "half");
  auto dataset = Dataset::open(scratch.path());
  EXPECT_TRUE(directory_names(scratch / "fields/part=0").empty());
  EXPECT_TRUE(dataset->files().empty());
}

TEST(DatasetTest, recovery_drops_an_entry_whose_file_is_missing_under_both_names) {
  ScratchDirectory scratch;
  const std::string kept = "fields/part=0/part-00000001-abcdef01.parquet";
  const std::string lost = "fields/part=0/part-00000002-abcdef01.parquet";
  write_text_file(scratch / "_simingest/manifest.json",
                  manifest_text("[" + file_entry_json(kept, parquet_framed("abc").size()) + "," +
                                file_entry_json(lost, 9) + "]"));
  write_text_file(scratch / kept, parquet_framed("abc"));

  auto dataset = Dataset::open(scratch.path());
  ASSERT_EQ(dataset->files().size(), 1u);
  EXPECT_EQ(dataset->files()[0].path, kept);
  nlohmann::json manifest = read_manifest_json(scratch.path());
  ASSERT_EQ(manifest["files"].size(), 1u);
  EXPECT_EQ(manifest["files"][0]["path"], kept);
  EXPECT_EQ(manifest["nextFileSeq"], 10);
}

TEST(DatasetTest, recovery_drops_an_entry_whose_inprogress_file_has_another_size) {
  ScratchDirectory scratch;
  const std::string path = "fields/part=0/part-00000004-abcdef01.parquet";
  write_text_file(scratch / "_simingest/manifest.json", manifest_text("[" + file_entry_json(path, 100) + "]"));
  write_text_file(scratch / "fields/part=0/.part-00000004-abcdef01.parquet.inprogress", "short");

  auto dataset = Dataset::open(scratch.path());
  EXPECT_TRUE(dataset->files().empty());
  EXPECT_TRUE(directory_names(scratch / "fields/part=0").empty());
  EXPECT_TRUE(read_manifest_json(scratch.path())["files"].empty());
}

TEST(DatasetTest, corrupt_manifest_is_a_clear_corrupt_error) {
  ScratchDirectory scratch;
  const std::string manifest = scratch / "_simingest/manifest.json";
  write_text_file(manifest, "{\"format\": \"simingest-manifest\", \"version\": 1, ");
  try {
    Dataset::open(scratch.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::corrupt);
    EXPECT_NE(std::string(e.what()).find(manifest + ": corrupt manifest: "), std::string::npos) << e.what();
  }
  // Nothing was rewritten over the damaged manifest.
  EXPECT_EQ(read_text_file(manifest), "{\"format\": \"simingest-manifest\", \"version\": 1, ");
}

TEST(DatasetTest, manifest_entry_of_the_wrong_type_names_its_key) {
  ScratchDirectory scratch;
  std::string entry = file_entry_json("fields/part=0/part-00000001-abcdef01.parquet", 3);
  entry.replace(entry.find("\"rows\":4"), 8, "\"rows\":\"4\"");
  write_text_file(scratch / "_simingest/manifest.json", manifest_text("[" + entry + "]"));
  try {
    Dataset::open(scratch.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::corrupt);
    EXPECT_NE(std::string(e.what()).find("corrupt manifest: files[0].rows: expected an integer"),
              std::string::npos)
        << e.what();
  }
}

TEST(DatasetTest, refuses_a_stream_name_that_is_not_one_directory) {
  ScratchDirectory scratch;
  auto dataset = Dataset::open(scratch.path());
  for (const char* name : {"", "..", "a/b", "_simingest"}) {
    try {
      dataset->begin_file(name, 0);
      FAIL() << "expected an error for \"" << name << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::invalid_argument);
    }
  }
}

}  // namespace
}  // namespace simingest::storage
