// Issue 3: the lock guards the lock file's inode, not its path. A writer
// whose dataset was removed (rm -rf) or whose lock file was deleted while it
// was open must fail with Error(dataset_lost) and never commit into the
// dataset another writer then opened at the same path.
#include "storage/dataset_identity.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/status.hpp"
#include "storage/dataset.hpp"
#include "support/dataset_fixture.hpp"

namespace simingest::storage {
namespace {

using DatasetIdentity = testing_support::DatasetFixture;

// The Error(dataset_lost) `action` throws, or a test failure.
template <class F>
std::string dataset_lost_message(F&& action) {
  try {
    action();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::dataset_lost) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error: the writer committed into a dataset it no longer holds";
  return "";
}

std::size_t parquet_files_under(const std::string& root) {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
    if (entry.path().extension() == ".parquet") ++count;
  return count;
}

TEST_F(DatasetIdentity, rm_rf_of_the_dataset_then_a_new_writer_at_the_same_path) {
  auto a = Dataset::open(root);
  a->register_stream("a", R"({"columns":[]})");
  a->commit_file(written_file(*a, "a"), one_frame_entry());
  auto a_pending = written_file(*a, "a");  // A's next file, in the directory about to go

  std::filesystem::remove_all(root);
  auto b = Dataset::open(root);  // the lock is on a new inode: B gets it
  b->register_stream("b", R"({"columns":[]})");
  b->commit_file(written_file(*b, "b"), one_frame_entry());

  const std::string message = dataset_lost_message([&] { a->commit_file(std::move(a_pending), one_frame_entry()); });
  EXPECT_NE(message.find("dataset " + root + ": the dataset directory was replaced"), std::string::npos) << message;
  EXPECT_NE(message.find("nothing more is committed"), std::string::npos) << message;
  dataset_lost_message([&] { a->begin_file("a", 1); });
  a.reset();

  ASSERT_EQ(b->files().size(), 1u);
  EXPECT_EQ(b->files()[0].stream, "b");
  b.reset();
  auto reopened = Dataset::open(root);
  ASSERT_EQ(reopened->files().size(), 1u) << "the manifest must list only B's file";
  EXPECT_EQ(reopened->files()[0].stream, "b");
  EXPECT_EQ(parquet_files_under(root), 1u) << "A wrote a file into B's dataset";
  EXPECT_FALSE(std::filesystem::exists(root + "/a")) << "A created its stream directory in B's dataset";
  EXPECT_TRUE(reopened->recovery().clean()) << reopened->recovery().to_json();
}

TEST_F(DatasetIdentity, deleting_only_the_lock_file_loses_the_dataset_for_its_writer) {
  auto a = Dataset::open(root);
  a->register_stream("a", R"({"columns":[]})");
  a->commit_file(written_file(*a, "a"), one_frame_entry());

  std::filesystem::remove(root + "/_simingest/lock");
  const std::string message = dataset_lost_message([&] { a->commit_file(written_file(*a, "a"), one_frame_entry()); });
  EXPECT_NE(message.find("_simingest/lock was removed"), std::string::npos) << message;

  auto b = Dataset::open(root);  // a new lock file: B gets the lock while A still runs
  b->commit_file(written_file(*b, "a"), one_frame_entry());
  const std::string replaced = dataset_lost_message([&] { a->register_stream("c", R"({"columns":[]})"); });
  EXPECT_NE(replaced.find("_simingest/lock was replaced"), std::string::npos) << replaced;
  EXPECT_EQ(b->files().size(), 2u);  // A's first (committed before the loss) and B's
  a.reset();
  b.reset();
  EXPECT_EQ(Dataset::open(root)->files().size(), 2u);
}

TEST_F(DatasetIdentity, an_unchanged_dataset_passes_and_a_replaced_meta_directory_does_not) {
  auto dataset = Dataset::open(root);
  dataset->commit_file(written_file(*dataset, "s"), one_frame_entry());
  dataset->commit_file(written_file(*dataset, "s"), one_frame_entry());
  EXPECT_EQ(dataset->files().size(), 2u);

  std::filesystem::rename(root + "/_simingest", root + "/_simingest.old");
  std::filesystem::create_directories(root + "/_simingest");
  const std::string message = dataset_lost_message([&] { dataset->commit_file(written_file(*dataset, "s"), one_frame_entry()); });
  EXPECT_NE(message.find("_simingest/ was replaced"), std::string::npos) << message;
}

}  // namespace
}  // namespace simingest::storage
