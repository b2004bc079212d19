// Dataset layout safety (docs/adr/0011-no-symlinks-inside-a-dataset.md): a
// stream, partition or _simingest directory that is a symbolic link is
// refused at open with Error(unsafe_layout) before recovery changes anything,
// and once the link is replaced by the real directory the reopen salvages
// every journaled frame. Names simingest did not make are left alone.
#include "storage/layout.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/crash_workload.hpp"
#include "support/scratch_directory.hpp"
#include "support/tree_snapshot.hpp"

namespace simingest {
namespace {

using namespace testing_support::crash_workload;
using testing_support::first_difference;
using testing_support::snapshot_tree;
namespace fs = std::filesystem;

class DatasetLayout : public ::testing::Test {
 protected:
  // Moves `relative` out of the dataset and leaves a link to it in its place.
  std::string replace_with_link(const std::string& relative) {
    const std::string outside = scratch_ / ("outside/" + relative);
    fs::create_directories(fs::path(outside).parent_path());
    fs::rename(root_ + "/" + relative, outside);
    fs::create_directory_symlink(outside, root_ + "/" + relative);
    return outside;
  }
  void put_back(const std::string& relative, const std::string& outside) {
    fs::remove(root_ + "/" + relative);
    fs::rename(outside, root_ + "/" + relative);
  }
  // Opening refuses with unsafe_layout naming `relative`, and changes nothing
  // inside the dataset or behind the link.
  void expect_refused(const std::string& relative, const std::string& outside) {
    const auto before = snapshot_tree(root_, {outside});
    try {
      storage::Dataset::open(root_);
      ADD_FAILURE() << "opening a dataset whose " << relative << " is a link succeeded";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::unsafe_layout) << e.what();
      EXPECT_NE(std::string(e.what()).find(root_ + "/" + relative + " is a symbolic link"), std::string::npos)
          << e.what();
    }
    EXPECT_EQ(first_difference(before, snapshot_tree(root_, {outside})), "");
  }

  testing_support::ScratchDirectory scratch_;
  const std::string root_ = scratch_ / "run";
};

TEST_F(DatasetLayout, a_symlinked_stream_directory_is_refused_and_salvaged_once_it_is_real_again) {
  crash_with_journaled_row_groups(root_);
  const std::string outside = replace_with_link("a");
  expect_refused("a", outside);
  put_back("a", outside);
  const Verdict verdict = check_dataset(root_, {{"a", 1}}, true);
  EXPECT_TRUE(verdict.violations.empty()) << verdict.violations.front();
  EXPECT_EQ(verdict.steps.at("a"), 4);  // the flushed frame and the three journaled ones
  ASSERT_EQ(verdict.report.salvaged.size(), 1u);
  EXPECT_EQ(verdict.report.salvaged[0].frames, 3);
}

TEST_F(DatasetLayout, a_symlinked_partition_directory_is_refused) {
  crash_with_journaled_row_groups(root_);
  const std::string outside = replace_with_link("a/part=0");
  expect_refused("a/part=0", outside);
  put_back("a/part=0", outside);
  const Verdict verdict = check_dataset(root_, {{"a", 1}}, true);
  EXPECT_TRUE(verdict.violations.empty()) << verdict.violations.front();
  EXPECT_EQ(verdict.steps.at("a"), 4);
}

TEST_F(DatasetLayout, a_symlinked_meta_directory_is_refused) {
  crash_with_journaled_row_groups(root_);
  const std::string outside = replace_with_link("_simingest");
  expect_refused("_simingest", outside);
  put_back("_simingest", outside);
  EXPECT_EQ(check_dataset(root_, {{"a", 1}}, true).steps.at("a"), 4);
}

TEST_F(DatasetLayout, a_symlinked_quarantine_directory_is_refused) {
  crash_with_journaled_row_groups(root_);
  fs::create_directories(root_ + "/_simingest/quarantine");
  const std::string outside = replace_with_link("_simingest/quarantine");
  expect_refused("_simingest/quarantine", outside);
}

TEST_F(DatasetLayout, the_dataset_path_itself_may_be_a_link) {
  crash_with_journaled_row_groups(root_);
  const std::string link = scratch_ / "link";
  fs::create_directory_symlink(root_, link);
  auto dataset = storage::Dataset::open(link);
  EXPECT_EQ(dataset->root(), fs::canonical(root_).string());
  EXPECT_EQ(dataset->recovery().salvaged.size(), 1u);
}

TEST_F(DatasetLayout, no_directory_or_file_is_created_through_a_link_during_a_run) {
  auto dataset = storage::Dataset::open(root_);
  dataset->register_stream("s", R"({"columns":[{"name":"v","dtype":"float32"}],"grid":[],"partition":{}})");
  const std::string outside = scratch_ / "outside";
  fs::create_directories(outside);
  fs::create_directory_symlink(outside, root_ + "/s");
  try {
    dataset->begin_file("s", 0);
    ADD_FAILURE() << "begin_file created a file through a link";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::unsafe_layout) << e.what();
    EXPECT_NE(std::string(e.what()).find(root_ + "/s is a symbolic link"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(outside));
}

TEST_F(DatasetLayout, a_lock_file_that_is_a_link_is_refused_and_not_followed) {
  storage::Dataset::open(root_).reset();
  const std::string target = scratch_ / "target";
  testing_support::write_text_file(target, "keep");
  fs::remove(root_ + "/_simingest/lock");
  fs::create_symlink(target, root_ + "/_simingest/lock");
  try {
    storage::Dataset::open(root_);
    ADD_FAILURE() << "opened with a linked lock file";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::unsafe_layout) << e.what();
  }
  EXPECT_EQ(testing_support::read_text_file(target), "keep");
}

// Names simingest did not make — here not UTF-8 — are left where they are
// and reported escaped; the report stays valid JSON (it used to throw a JSON
// type error, ERR_INTERNAL at the C ABI, after deleting the leftover).
TEST_F(DatasetLayout, foreign_names_are_left_alone_and_reported_escaped) {
  storage::Dataset::open(root_).reset();
  const std::string leftover = root_ + "/f/part=0/.part-\xff\xfe.parquet.inprogress";
  testing_support::write_text_file(leftover, "not ours");
  testing_support::write_text_file(root_ + "/\xff" "dir/part=0/.part-00000001-abcdef01.parquet.inprogress", "x");
  testing_support::write_text_file(root_ + "/f/part=01/.part-00000001-abcdef01.parquet.inprogress", "y");
  auto dataset = storage::Dataset::open(root_);
  const storage::RecoveryReport& report = dataset->recovery();
  EXPECT_TRUE(report.clean()) << report.to_json();
  const auto json = nlohmann::json::parse(report.to_json());
  std::set<std::string> ignored;
  for (const auto& entry : json.at("ignored")) ignored.insert(entry.at("path").get<std::string>());
  EXPECT_EQ(ignored, (std::set<std::string>{"f/part=0/.part-\\xff\\xfe.parquet.inprogress", "\\xffdir",
                                            "f/part=01"}))
      << report.to_json();
  EXPECT_EQ(testing_support::read_text_file(leftover), "not ours");
  EXPECT_TRUE(fs::exists(root_ + "/f/part=01/.part-00000001-abcdef01.parquet.inprogress"));
}

TEST(LayoutNames, grammar_and_escaping) {
  using namespace storage;
  EXPECT_TRUE(is_inprogress_name(".part-00000001-3f9a1c2e.parquet.inprogress"));
  EXPECT_FALSE(is_inprogress_name(".part-.parquet.inprogress"));
  EXPECT_FALSE(is_inprogress_name(".part-\xff.parquet.inprogress"));
  EXPECT_FALSE(is_inprogress_name(".part-a/b.parquet.inprogress"));
  EXPECT_TRUE(is_journal_name(".part-00000001-3f9a1c2e.parquet.inprogress.journal"));
  EXPECT_FALSE(is_journal_name(".part-00000001-3f9a1c2e.parquet.inprogress"));
  EXPECT_EQ(partition_of("part=0"), 0);
  EXPECT_EQ(partition_of("part=-3"), -3);
  EXPECT_EQ(partition_of("part=01"), std::nullopt);
  EXPECT_EQ(partition_of("part=-"), std::nullopt);
  EXPECT_EQ(partition_of("part=99999999999999999999"), std::nullopt);
  EXPECT_EQ(escape_name("a\xff" "b"), "a\\xffb");
  EXPECT_EQ(escape_name("caf\xc3\xa9"), "caf\xc3\xa9");        // valid UTF-8 stays
  EXPECT_EQ(escape_name("\xc0\xaf"), "\\xc0\\xaf");            // overlong '/'
  EXPECT_EQ(escape_name("\xed\xa0\x80"), "\\xed\\xa0\\x80");    // a surrogate
  EXPECT_EQ(escape_name("a\\xff"), "a\\\\xff");                 // not confused with an escape
  EXPECT_EQ(escape_name("a\nb"), "a\\x0ab");
}

}  // namespace
}  // namespace simingest
