// Parts of a dataset replaced by something of the wrong type
// (docs/adr/0011-no-symlinks-inside-a-dataset.md): a committed file that is
// now a link, a directory or a FIFO is corruption — quarantined, Error(corrupt)
// once naming it, the next open succeeds — and a manifest copy that is a
// link, a FIFO, a device or oversized is a damaged copy: the other one is
// used, exactly as after a CRC failure. Nothing blocks, nothing is followed.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/status.hpp"
#include "pipeline/engine.hpp"
#include "storage/dataset.hpp"
#include "storage/manifest_store.hpp"
#include "support/deadline.hpp"
#include "support/scratch_directory.hpp"

namespace simingest::storage {
namespace {

namespace fs = std::filesystem;
using testing_support::read_text_file;
using testing_support::write_text_file;

const char* kConfig = R"({"streams":{"f":{"columns":{"v":"float64"}}},"workers":1})";

// Three committed files of one frame each; returns their paths.
std::vector<std::string> write_dataset(const std::string& root) {
  auto engine = Engine::open(root, kConfig);
  std::vector<double> v(100, 1.5);
  std::string message;
  for (int64_t step = 0; step < 3; ++step) {
    simingest_column column{"v", SIMINGEST_FLOAT64, v.data(), v.size()};
    EXPECT_EQ(engine->ingest("f", step, 0.5 * static_cast<double>(step), &column, 1, false, message), Status::ok);
    engine->flush();
  }
  engine->close();
  std::vector<std::string> paths;
  const auto dataset = Dataset::open(root);
  for (const ManifestFile& file : dataset->files()) paths.push_back(file.path);
  return paths;
}

// Opens `root` and returns the Error it fails with (Status::ok if none);
// aborts the binary if the open hangs.
Error open_error(const std::string& root) {
  Error result(Status::ok, "");
  testing_support::within(std::chrono::seconds(20), "opening the dataset", [&] {
    try {
      Dataset::open(root);
    } catch (const Error& e) {
      result = e;
    }
  });
  return result;
}

class DamagedParts : public ::testing::Test {
 protected:
  void SetUp() override { paths_ = write_dataset(root_); }
  testing_support::ScratchDirectory scratch_;
  const std::string root_ = scratch_ / "run";
  std::vector<std::string> paths_;
};

TEST_F(DamagedParts, committed_files_replaced_by_a_link_a_directory_or_a_fifo_are_quarantined_once) {
  ASSERT_EQ(paths_.size(), 3u);
  const std::string copy = scratch_ / "copy.parquet";
  fs::copy_file(root_ + "/" + paths_[0], copy);
  fs::remove(root_ + "/" + paths_[0]);
  fs::create_symlink(copy, root_ + "/" + paths_[0]);  // even a link to identical bytes
  fs::remove(root_ + "/" + paths_[1]);
  fs::create_directory(root_ + "/" + paths_[1]);
  fs::remove(root_ + "/" + paths_[2]);
  ASSERT_EQ(::mkfifo((root_ + "/" + paths_[2]).c_str(), 0644), 0);

  const Error first = open_error(root_);
  EXPECT_EQ(first.status(), Status::corrupt) << first.what();
  const std::string message = first.what();
  EXPECT_NE(message.find(paths_[0] + ": not a regular file: a symbolic link"), std::string::npos) << message;
  EXPECT_NE(message.find(paths_[1] + ": not a regular file: a directory"), std::string::npos) << message;
  EXPECT_NE(message.find(paths_[2] + ": not a regular file: a FIFO"), std::string::npos) << message;
  for (const std::string& path : paths_)
    EXPECT_TRUE(fs::exists(fs::symlink_status(root_ + "/_simingest/quarantine/" + path))) << path;
  EXPECT_TRUE(fs::exists(copy));  // the link was moved, its target left alone

  const Error second = open_error(root_);
  EXPECT_EQ(second.status(), Status::ok) << second.what();
  EXPECT_TRUE(Dataset::open(root_)->files().empty());
}

// Each way the primary can be damaged by type: the open falls back to the
// backup (quarantining the primary, ERR_CORRUPT once), then opens clean with
// every file.
TEST_F(DamagedParts, a_primary_manifest_of_the_wrong_type_falls_back_to_the_backup) {
  const std::string primary = root_ + "/_simingest/" + kManifestName;
  const std::vector<std::pair<const char*, std::function<void()>>> damages = {
      {"a symbolic link", [&] { fs::create_symlink("/dev/zero", primary); }},
      {"a FIFO", [&] { ASSERT_EQ(::mkfifo(primary.c_str(), 0644), 0); }},
      {"a directory", [&] { fs::create_directory(primary); }},
      {"more than a manifest may have", [&] {
         write_text_file(primary, "{");
         fs::resize_file(primary, kMaxManifestBytes + 1);  // sparse: no disk used
       }},
  };
  for (const auto& [expected, damage] : damages) {
    SCOPED_TRACE(expected);
    const std::string good = read_text_file(primary);
    fs::remove(primary);
    damage();
    const Error first = open_error(root_);
    EXPECT_EQ(first.status(), Status::corrupt) << first.what();
    EXPECT_NE(std::string(first.what()).find(expected), std::string::npos) << first.what();
    const Error second = open_error(root_);
    EXPECT_EQ(second.status(), Status::ok) << second.what();
    EXPECT_EQ(Dataset::open(root_)->files().size(), 3u);
    EXPECT_EQ(read_text_file(primary).substr(0, 1), good.substr(0, 1));
  }
}

TEST_F(DamagedParts, both_manifest_copies_of_the_wrong_type_fail_typed_and_change_nothing) {
  const std::string meta = root_ + "/_simingest/";
  fs::remove(meta + kManifestName);
  ASSERT_EQ(::mkfifo((meta + kManifestName).c_str(), 0644), 0);
  fs::remove(meta + kManifestBackupName);
  fs::create_symlink("/dev/zero", meta + kManifestBackupName);
  const Error error = open_error(root_);
  EXPECT_EQ(error.status(), Status::corrupt) << error.what();
  EXPECT_TRUE(fs::is_fifo(meta + kManifestName));
  EXPECT_TRUE(fs::is_symlink(meta + kManifestBackupName));
  EXPECT_FALSE(fs::exists(meta + "quarantine"));
}

}  // namespace
}  // namespace simingest::storage
