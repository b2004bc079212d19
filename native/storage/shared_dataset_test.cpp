// Shared datasets (storage/shared_dataset.hpp): writers that commit into one
// dataset without a coordinator, each in its own part, and the union readers see.
#include "storage/shared_dataset.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "storage/dataset.hpp"
#include "support/dataset_fixture.hpp"
#include "support/tree_snapshot.hpp"

namespace simingest::storage {
namespace {

using testing_support::exists;
using testing_support::read_text_file;
using testing_support::snapshot_tree;
using testing_support::first_difference;
using testing_support::write_text_file;

const char* kSchema = R"({"columns":[{"name":"vx","dtype":"float32"}],"grid":[],"partition":{}})";

class SharedDataset : public testing_support::DatasetFixture {
 protected:
  std::unique_ptr<Dataset> open_writer(uint32_t id, uint32_t count) {
    OpenOptions options;
    options.writer = SharedWriter{id, count};
    auto dataset = Dataset::open(root, options);
    dataset->register_stream("fields", kSchema);
    return dataset;
  }

  // Commits one file of `stream` whose frames hold steps [first, last].
  static std::string commit(Dataset& dataset, int64_t first, int64_t last) {
    ManifestFile entry = one_frame_entry();
    entry.step_min = first;
    entry.step_max = last;
    dataset.commit_file(written_file(dataset, "fields"), entry);
    return dataset.files().back().path;
  }

  std::vector<WriterManifest> writers() const { return load_writer_manifests(root, read_shared_manifest_texts(root)); }

  static Status status_of(const std::function<void()>& call, std::string* message = nullptr) {
    try {
      call();
    } catch (const Error& e) {
      if (message) *message = e.what();
      return e.status();
    }
    return Status::ok;
  }
};

TEST_F(SharedDataset, interleaved_commits_of_two_writers_are_all_in_the_union_and_none_overwrote_another) {
  auto w0 = open_writer(0, 2);
  auto w1 = open_writer(1, 2);
  std::set<std::string> committed;
  for (int64_t step = 0; step < 6; ++step) {
    committed.insert(writer_directory(0) + "/" + commit(*w0, step, step));
    committed.insert(writer_directory(1) + "/" + commit(*w1, 100 + step, 100 + step));
  }
  // Each writer's manifest lists its own files only.
  EXPECT_EQ(w0->files().size(), 6u);
  EXPECT_EQ(w1->files().size(), 6u);
  const std::vector<WriterManifest> parts = writers();
  ASSERT_EQ(parts.size(), 2u);
  const Manifest all = union_of_writers(parts);
  std::set<std::string> listed;
  for (const ManifestFile& file : all.files) {
    listed.insert(file.path);
    EXPECT_TRUE(exists(root + "/" + file.path)) << file.path;
  }
  EXPECT_EQ(all.files.size(), 12u);  // no path twice
  EXPECT_EQ(listed, committed);
  ASSERT_EQ(all.streams.size(), 1u);
  EXPECT_EQ(all.files.front().path.rfind("writer=0/fields/part=0/part-", 0), 0u) << all.files.front().path;
  EXPECT_EQ(all.files.back().path.rfind("writer=1/fields/part=0/part-", 0), 0u) << all.files.back().path;
  // The descriptor was created once, by whichever writer came first.
  EXPECT_EQ(shared_writer_count(root), std::optional<uint32_t>(2));
  EXPECT_FALSE(exists(root + "/_simingest/manifest.json"));
}

TEST_F(SharedDataset, the_same_writer_id_twice_is_locked_and_another_id_is_not) {
  auto w0 = open_writer(0, 3);
  std::string message;
  EXPECT_EQ(status_of([&] { open_writer(0, 3); }, &message), Status::dataset_locked);
  EXPECT_NE(message.find("writer 0"), std::string::npos) << message;
  EXPECT_EQ(status_of([&] { open_writer(2, 3); }), Status::ok);
  // The lock dies with its holder (flock): reopening after close works.
  w0.reset();
  EXPECT_EQ(status_of([&] { open_writer(0, 3); }), Status::ok);
}

TEST_F(SharedDataset, a_lock_of_a_killed_writer_is_taken_over) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    OpenOptions options;
    options.writer = SharedWriter{1, 2};
    auto held = Dataset::open(root, options);
    ::raise(SIGKILL);  // dies holding the lock
    ::_exit(1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(status_of([&] { open_writer(1, 2); }), Status::ok);
}

TEST_F(SharedDataset, a_writer_count_that_changes_between_opens_is_refused_naming_both_counts) {
  open_writer(0, 4).reset();
  std::string message;
  EXPECT_EQ(status_of([&] { open_writer(1, 3); }, &message), Status::config);
  EXPECT_NE(message.find("writer.count is 3"), std::string::npos) << message;
  EXPECT_NE(message.find("created for 4 writers"), std::string::npos) << message;
  EXPECT_FALSE(exists(root + "/writer=1/_simingest"));  // nothing of the refused writer was made
  EXPECT_EQ(status_of([&] { open_writer(1, 4); }), Status::ok);
}

TEST_F(SharedDataset, single_writer_and_shared_opens_of_the_other_kind_are_refused) {
  open_writer(0, 2).reset();
  std::string message;
  EXPECT_EQ(status_of([&] { Dataset::open(root); }, &message), Status::config);
  EXPECT_NE(message.find("shared by 2 writers"), std::string::npos) << message;

  const std::string single = scratch / "single";
  Dataset::open(single).reset();
  const auto before = snapshot_tree(single);
  OpenOptions options;
  options.writer = SharedWriter{0, 2};
  EXPECT_EQ(status_of([&] { Dataset::open(single, options); }, &message), Status::config);
  EXPECT_NE(message.find("single-writer dataset"), std::string::npos) << message;
  EXPECT_EQ(first_difference(before, snapshot_tree(single)), "");
}

TEST_F(SharedDataset, a_damaged_descriptor_is_typed_and_quarantined_by_a_writer_and_left_alone_by_a_reader) {
  open_writer(0, 2).reset();
  const std::string descriptor = root + "/_simingest/shared.json";
  std::string text = read_text_file(descriptor);
  text[text.find("\"writers\":2") + 10] = '3';  // a bit flip in the count: the CRC no longer matches
  write_text_file(descriptor, text);

  std::string message;
  EXPECT_EQ(status_of([&] { shared_writer_count(root); }, &message), Status::corrupt);
  EXPECT_NE(message.find("CRC-32C"), std::string::npos) << message;
  EXPECT_TRUE(exists(descriptor));  // a reader changes nothing

  EXPECT_EQ(status_of([&] { open_writer(1, 2); }, &message), Status::corrupt);
  EXPECT_NE(message.find("quarantine"), std::string::npos) << message;
  EXPECT_FALSE(exists(descriptor));
  EXPECT_TRUE(exists(root + "/_simingest/quarantine/_simingest/shared.json"));
  // The next writer creates it again from its count.
  EXPECT_EQ(status_of([&] { open_writer(1, 2); }), Status::ok);
  EXPECT_EQ(shared_writer_count(root), std::optional<uint32_t>(2));
}

TEST_F(SharedDataset, a_damaged_manifest_record_of_one_writer_is_quarantined_there_and_the_other_is_untouched) {
  {
    auto w0 = open_writer(0, 2);
    auto w1 = open_writer(1, 2);
    commit(*w0, 0, 0);
    commit(*w1, 0, 0);
    commit(*w1, 1, 1);
  }
  const auto other = snapshot_tree(root + "/writer=0");
  const std::string primary = root + "/writer=1/_simingest/manifest.json";
  std::string text = read_text_file(primary);
  text.resize(text.size() / 2);  // torn
  write_text_file(primary, text);
  // Readers fall back to the backup: the union is whole.
  EXPECT_EQ(union_of_writers(writers()).files.size(), 3u);

  std::string message;
  EXPECT_EQ(status_of([&] { open_writer(1, 2); }, &message), Status::corrupt);
  EXPECT_NE(message.find("manifest.json"), std::string::npos) << message;
  EXPECT_TRUE(exists(root + "/writer=1/_simingest/quarantine/_simingest/manifest.json"));
  auto w1 = open_writer(1, 2);
  EXPECT_EQ(w1->files().size(), 2u);
  EXPECT_EQ(first_difference(other, snapshot_tree(root + "/writer=0")), "");
}

TEST_F(SharedDataset, a_killed_writer_recovers_its_committed_prefix_and_never_touches_another_writer) {
  auto w0 = open_writer(0, 2);
  commit(*w0, 0, 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto w1 = open_writer(1, 2);
    commit(*w1, 0, 0);
    commit(*w1, 1, 1);
    auto unfinished = written_file(*w1, "fields");  // begun, written, never committed
    ::raise(SIGKILL);
    ::_exit(1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  commit(*w0, 1, 1);  // writer 0 kept writing meanwhile
  const auto before = snapshot_tree(root + "/writer=0");

  auto w1 = open_writer(1, 2);
  EXPECT_EQ(w1->files().size(), 2u);
  ASSERT_EQ(w1->recovery().removed.size(), 1u);  // the uncommitted file, and only it
  EXPECT_EQ(first_difference(before, snapshot_tree(root + "/writer=0")), "");
  EXPECT_EQ(union_of_writers(writers()).files.size(), 4u);
}

TEST_F(SharedDataset, the_job_checkpoint_is_the_last_step_durable_on_every_writer) {
  auto w0 = open_writer(0, 3);
  auto w1 = open_writer(1, 3);
  commit(*w0, 0, 9);
  commit(*w1, 0, 4);
  // Writer 2 has committed nothing: no step is durable on every writer yet.
  auto job = job_durable_steps(writers(), 3);
  ASSERT_EQ(job.size(), 1u);
  EXPECT_EQ(job[0].first, "fields");
  EXPECT_EQ(job[0].second, std::nullopt);

  auto w2 = open_writer(2, 3);
  commit(*w2, 0, 7);
  commit(*w1, 5, 6);
  job = job_durable_steps(writers(), 3);
  EXPECT_EQ(job[0].second, std::optional<int64_t>(6));
}

TEST_F(SharedDataset, writers_declaring_a_stream_differently_are_a_schema_conflict_for_readers) {
  auto w0 = open_writer(0, 2);
  OpenOptions options;
  options.writer = SharedWriter{1, 2};
  auto w1 = Dataset::open(root, options);
  w1->register_stream("fields", R"({"columns":[{"name":"vx","dtype":"float64"}],"grid":[],"partition":{}})");
  std::string message;
  EXPECT_EQ(status_of([&] { union_of_writers(writers()); }, &message), Status::schema_conflict);
  EXPECT_NE(message.find("writer=0 and writer=1"), std::string::npos) << message;
}

TEST(SharedDatasetNames, writer_directories_round_trip_and_nothing_else_is_one) {
  EXPECT_EQ(writer_directory(17), "writer=17");
  EXPECT_EQ(writer_of_directory("writer=17"), std::optional<uint32_t>(17));
  EXPECT_EQ(writer_of_directory("writer=0"), std::optional<uint32_t>(0));
  for (const char* name : {"writer=", "writer=01", "writer=-1", "writer=1a", "writer=99999999999", "fields"})
    EXPECT_EQ(writer_of_directory(name), std::nullopt) << name;
}

}  // namespace
}  // namespace simingest::storage
