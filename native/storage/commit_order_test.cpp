// Commit order (ADR 7, docs/ON_DISK.md "Reading the manifest"): a file is
// renamed into place before the manifest that lists it is replaced, so a
// reader following the manifest finds every listed file. A crash (or a
// failure) between the two leaves a committed-name file no manifest lists:
// the next open adopts it if its journal proves it, else removes it.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <atomic>
#include <iostream>
#include <iterator>
#include <filesystem>
#include <string>
#include <thread>

#include "core/status.hpp"
#include "storage/dataset.hpp"
#include "storage/durable_io.hpp"
#include "storage/manifest.hpp"
#include "support/dataset_fixture.hpp"

namespace simingest::storage {
namespace {

using testing_support::parquet_framed;
using CommitOrder = testing_support::DatasetFixture;

TEST_F(CommitOrder, a_reader_following_the_manifest_finds_every_listed_file) {
  auto dataset = Dataset::open(root);
  constexpr int kCommits = 400;
  std::atomic<bool> done{false};
  uint64_t reads = 0, listed = 0, missing = 0;
  std::string first_missing;
  std::thread reader([&] {
    // Bounded: stops when the writer is done (or after 2 million reads).
    while (!done.load(std::memory_order_acquire) && reads < 2000000) {
      Manifest manifest = parse_manifest(read_file(root + "/_simingest/manifest.json"), "manifest.json");
      ++reads;
      for (const ManifestFile& file : manifest.files) {
        struct stat st {};
        ++listed;
        if (::stat((root + "/" + file.path).c_str(), &st) != 0 && missing++ == 0) first_missing = file.path;
      }
    }
  });
  for (int i = 0; i < kCommits; ++i) dataset->commit_file(written_file(*dataset, "s", i % 3), one_frame_entry());
  done.store(true, std::memory_order_release);
  reader.join();
  std::cout << "[ reader   ] " << reads << " manifest reads, " << listed << " listed files checked, " << missing
            << " missing\n";
  EXPECT_EQ(missing, 0u) << "first: " << first_missing;
  EXPECT_GT(reads, 50u) << "the reader hardly ran alongside the commits";
  EXPECT_EQ(dataset->files().size(), static_cast<std::size_t>(kCommits));
}

TEST_F(CommitOrder, a_failed_manifest_write_hides_the_renamed_file_again) {
  auto dataset = Dataset::open(root);
  auto file = written_file(*dataset, "s");
  const std::string visible = root + "/" + file->relative_path();
  // The manifest cannot be replaced: its temporary name is a directory.
  std::filesystem::create_directories(root + "/_simingest/manifest.bak.json.tmp");
  try {
    dataset->commit_file(std::move(file), one_frame_entry());
    ADD_FAILURE() << "the commit succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::io) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(visible)) << "a file no manifest lists stayed visible";
  EXPECT_TRUE(dataset->files().empty());
}

TEST_F(CommitOrder, a_committed_name_file_no_manifest_lists_is_removed_without_a_journal) {
  Dataset::open(root).reset();
  // What a crash between the rename and the manifest leaves of a file
  // written without a journal (a resumeFromStep rewrite).
  const std::string visible = root + "/s/part=0/part-00000007-0123abcd.parquet";
  std::filesystem::create_directories(root + "/s/part=0");
  testing_support::write_text_file(visible, parquet_framed("frame"));
  auto reopened = Dataset::open(root);
  EXPECT_TRUE(reopened->files().empty());
  EXPECT_FALSE(std::filesystem::exists(visible)) << "an unprovable unlisted file must not stay visible";
  ASSERT_EQ(reopened->recovery().removed.size(), 1u) << reopened->recovery().to_json();
  EXPECT_EQ(reopened->recovery().removed[0].path, "s/part=0/part-00000007-0123abcd.parquet");
}

TEST_F(CommitOrder, recovery_leaves_a_foreign_parquet_file_alone) {
  Dataset::open(root).reset();
  std::filesystem::create_directories(root + "/s/part=0");
  for (const char* name : {"part-0-x.parquet", "notes.parquet", "part-00000001-ABCDEF12.parquet"}) {
    const std::string path = root + "/s/part=0/" + name;
    testing_support::write_text_file(path, parquet_framed("foreign"));
  }
  auto reopened = Dataset::open(root);
  EXPECT_TRUE(reopened->recovery().clean()) << reopened->recovery().to_json();
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(root + "/s/part=0"), std::filesystem::directory_iterator()), 3);
}

}  // namespace
}  // namespace simingest::storage
