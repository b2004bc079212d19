// The query stream over hand-made snapshots: what the engine will hand it
// (an in-progress file read through its descriptor, limited to the row
// groups written so far, then frames still in memory), checked byte for byte
// against the frames ingested; and the pieces alone (spec check, selection,
// Arrow export and its memory account).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "parquet/footer_reader.hpp"
#include "query/arrow_export.hpp"
#include "query/dataset_reader.hpp"
#include "query/file_source.hpp"
#include "query/query_stream.hpp"
#include "support/query_frames.hpp"

namespace simingest::query::testing {
namespace {

namespace fs = std::filesystem;
using testing_support::ScratchDirectory;

std::shared_ptr<const int> open_descriptor(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("open " + path);
  return std::shared_ptr<const int>(new int(fd), [](const int* p) {
    ::close(*p);
    delete p;
  });
}

class HandMadeSnapshot : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = scratch_.path() + "/ds";
    simingest_ingestor* ingestor = nullptr;
    // One partition: files are cut by the flushes every 13 steps only, so
    // they hold several row groups each.
    std::string config = kConfig;
    const std::string partition = R"("partition": {"steps": 10})";
    config.replace(config.find(partition), partition.size(), R"("partition": {"steps": 1000})");
    ASSERT_EQ(simingest_open(path_.c_str(), config.c_str(), &ingestor, nullptr), SIMINGEST_OK);
    ingest_frames(ingestor, 0, 30, kept_);
    ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
  }

  // The last committed file of "fields" turned back into an in-progress one
  // that has written only its first `groups` row groups: the bytes before
  // its footer, read through a descriptor, the row groups' metadata given as
  // the engine records it. The committed frames it then holds come first in
  // `want`.
  StreamSnapshot in_progress_snapshot(std::size_t groups, std::vector<KeptFrame>& want) {
    const DatasetReader reader(path_);
    StreamSnapshot snapshot = reader.snapshot("fields");
    EXPECT_EQ(snapshot.files.size(), 3u);
    // The file with the most row groups becomes the in-progress one; later
    // files drop out (an in-progress file is always the stream's last).
    std::size_t chosen = 0, most = 0;
    for (std::size_t f = 0; f < snapshot.files.size(); ++f) {
      const std::size_t count = parquet::read_footer(FileSource(snapshot.files[f])).row_groups.size();
      if (count >= most) {
        most = count;
        chosen = f;
      }
    }
    EXPECT_GT(chosen, 0u);
    snapshot.files.resize(chosen + 1);
    const FilePart last = snapshot.files.back();
    const FileSource committed(last);
    const parquet::format::FileMetaData footer = parquet::read_footer(committed);
    EXPECT_GT(footer.row_groups.size(), groups);
    std::vector<uint8_t> prefix(parquet::footer_offset(committed));
    committed.read_at(0, prefix.data(), prefix.size());
    const std::string inprogress = scratch_.path() + "/.part-9.parquet.inprogress";
    std::ofstream(inprogress, std::ios::binary).write(reinterpret_cast<const char*>(prefix.data()),
                                                      static_cast<std::streamsize>(prefix.size()));
    FilePart part = last;
    part.path = inprogress;
    part.fd = open_descriptor(inprogress);
    uint64_t rows = 0;
    for (std::size_t g = 0; g < groups; ++g) {
      part.row_groups.emplace_back();
      parquet::format::serialize(footer.row_groups[g], part.row_groups.back());
      rows += static_cast<uint64_t>(footer.row_groups[g].num_rows);
    }
    // A commit renames the file while the query holds it: the descriptor still reads it.
    fs::rename(inprogress, scratch_.path() + "/part-9.parquet");
    snapshot.files.back() = std::move(part);

    uint64_t taken = 0;
    for (const KeptFrame& frame : kept_.at("fields")) {
      if (frame.step < last.step_min) {
        want.push_back(frame);
      } else if (taken < rows) {
        want.push_back(frame);
        taken += frame.rows;
      }
    }
    EXPECT_EQ(taken, rows);
    return snapshot;
  }

  // Frames still "in memory", steps from 100: `level` a scalar as the engine keeps it.
  void add_memory_frames(StreamSnapshot& snapshot, std::vector<KeptFrame>& want, int count) {
    auto storage = std::make_shared<std::vector<std::vector<uint8_t>>>();
    storage->reserve(static_cast<std::size_t>(count) * 3);
    for (int i = 0; i < count; ++i) {
      const int64_t step = 100 + i;
      KeptFrame kept{step, 50.0 + i, kGridCells, {}};
      MemoryFrame frame;
      frame.step = kept.step;
      frame.time = kept.time;
      frame.rows = kept.rows;
      const auto columns = declared_columns("fields");
      for (std::size_t c = 0; c < columns.size(); ++c) {
        const bool scalar = columns[c].name == "level";
        storage->push_back(pattern(step, c, scalar ? 1 : kGridCells, columns[c].size));
        frame.columns.push_back(storage->back().data());
        frame.is_scalar.push_back(scalar);
        std::vector<uint8_t> rows = storage->back();
        if (scalar) {
          rows.clear();
          for (std::size_t r = 0; r < kGridCells; ++r) rows.insert(rows.end(), storage->back().begin(), storage->back().end());
        }
        kept.columns[columns[c].name] = std::move(rows);
      }
      frame.owner = storage;
      snapshot.frames.push_back(std::move(frame));
      want.push_back(std::move(kept));
    }
  }

  Collected run(StreamSnapshot snapshot, const QuerySpec& spec) {
    ResolvedQuery resolved = resolve_query(snapshot.config, spec);
    ArrowArrayStream out{};
    make_query_stream(std::move(snapshot), std::move(resolved), kDefaultQueryMemoryLimit,
                      std::make_shared<FooterCache>(), &out);
    return collect(out);
  }

  ScratchDirectory scratch_;
  std::string path_;
  std::map<std::string, std::vector<KeptFrame>> kept_;
};

TEST_F(HandMadeSnapshot, reads_committed_files_then_the_written_row_groups_of_the_in_progress_file_then_memory) {
  std::vector<KeptFrame> want;
  StreamSnapshot snapshot = in_progress_snapshot(2, want);
  add_memory_frames(snapshot, want, 3);
  const Collected got = run(std::move(snapshot), QuerySpec{});
  ASSERT_EQ(got.error, 0) << got.message;
  const auto columns = std::vector<std::string>{"vx", "vy", "level"};
  const auto expect = expected(want, {}, columns);
  for (std::size_t c = 0; c < expect.size(); ++c)
    EXPECT_TRUE(got.columns[c] == expect[c]) << "column " << c << ": " << got.columns[c].size() << " vs " << expect[c].size();
  // The three memory frames gather into one batch.
  EXPECT_EQ(got.batch_rows.back(), 3 * kGridCells);
}

TEST_F(HandMadeSnapshot, selects_and_splits_memory_frames_like_file_frames) {
  std::vector<KeptFrame> all;
  StreamSnapshot snapshot = in_progress_snapshot(1, all);
  add_memory_frames(snapshot, all, 5);
  QuerySpec spec;
  spec.columns = std::vector<std::string>{"level", "vx"};
  spec.steps = StepRange{20, 103};
  spec.every = 2;
  spec.batch_per_frame = true;
  const Collected got = run(std::move(snapshot), spec);
  ASSERT_EQ(got.error, 0) << got.message;
  Selection selection;
  selection.steps = {{20, 103}};
  selection.every = 2;
  std::vector<uint64_t> frame_rows;
  const auto expect = expected(all, selection, {"level", "vx"}, &frame_rows);
  EXPECT_EQ(got.batch_rows, frame_rows);
  for (std::size_t c = 0; c < expect.size(); ++c) EXPECT_TRUE(got.columns[c] == expect[c]) << c;
  const std::vector<uint8_t>& steps = got.columns[0];
  int64_t last_step = 0;
  std::memcpy(&last_step, steps.data() + steps.size() - 8, 8);
  EXPECT_EQ(last_step, 102);  // memory frames 100 and 102; 104 is beyond the range's end
}

TEST_F(HandMadeSnapshot, a_snapshot_of_memory_frames_alone_needs_no_file) {
  StreamSnapshot snapshot;
  snapshot.stream = "fields";
  snapshot.config = DatasetReader(path_).snapshot("fields").config;
  std::vector<KeptFrame> want;
  add_memory_frames(snapshot, want, 2);
  const Collected got = run(std::move(snapshot), QuerySpec{});
  const auto expect = expected(want, {}, {"vx", "vy", "level"});
  for (std::size_t c = 0; c < expect.size(); ++c) EXPECT_TRUE(got.columns[c] == expect[c]) << c;
}

// ---- the pieces ---------------------------------------------------------------

StreamConfig two_columns() {
  StreamConfig stream;
  stream.name = "s";
  ColumnConfig a;
  a.name = "a";
  a.dtype = Dtype::uint8;
  ColumnConfig b;
  b.name = "b";
  b.dtype = Dtype::float64;
  stream.columns = {a, b};
  return stream;
}

TEST(QuerySpecCheck, resolves_the_columns_in_the_order_asked) {
  QuerySpec spec;
  spec.columns = std::vector<std::string>{"b", "a"};
  const ResolvedQuery q = resolve_query(two_columns(), spec);
  ASSERT_EQ(q.columns.size(), 2u);
  EXPECT_EQ(q.columns[0].declared_index, 1u);
  EXPECT_EQ(q.columns[1].dtype, Dtype::uint8);
}

TEST(QuerySpecCheck, every_counts_from_the_anchor_in_both_directions_without_overflow) {
  QuerySpec spec;
  spec.every = 3;
  ResolvedQuery q = resolve_query(two_columns(), spec);
  EXPECT_TRUE(q.selects(-6, 0));
  EXPECT_FALSE(q.selects(-5, 0));
  EXPECT_TRUE(q.selects(9, 0));
  EXPECT_FALSE(q.selects(std::numeric_limits<int64_t>::min(), 0));  // -2^63 is not a multiple of 3
  spec.steps = StepRange{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  spec.every = 2;
  q = resolve_query(two_columns(), spec);
  EXPECT_TRUE(q.selects(std::numeric_limits<int64_t>::min(), 0));
  EXPECT_FALSE(q.selects(std::numeric_limits<int64_t>::max(), 0));  // 2^64 - 1 steps away: odd
}

TEST(QuerySpecCheck, prunes_only_what_cannot_match) {
  QuerySpec spec;
  spec.steps = StepRange{10, 20};
  spec.time = TimeRange{1.0, 2.0};
  const ResolvedQuery q = resolve_query(two_columns(), spec);
  EXPECT_TRUE(q.may_select_steps(20, 30));
  EXPECT_FALSE(q.may_select_steps(21, 30));
  EXPECT_TRUE(q.may_select_time(0.0, 1.0));
  EXPECT_FALSE(q.may_select_time(2.5, 3.0));
  EXPECT_TRUE(q.may_select_time(std::nan(""), std::nan("")));
}

TEST(ArrowExport, the_schema_names_every_dtype_by_its_arrow_format) {
  std::vector<OutputColumn> columns;
  const Dtype all[] = {Dtype::float32, Dtype::float64, Dtype::int8,   Dtype::int16,  Dtype::int32,
                       Dtype::int64,   Dtype::uint8,   Dtype::uint16, Dtype::uint32, Dtype::uint64};
  for (Dtype d : all) columns.push_back({"c" + std::to_string(columns.size()), d, columns.size()});
  ArrowSchema schema{};
  export_schema(columns, &schema);
  std::string formats;
  for (int64_t i = 0; i < schema.n_children; ++i) formats += schema.children[i]->format;
  EXPECT_EQ(formats, "lgfgcsilCSIL");
  EXPECT_STREQ(schema.children[2]->name, "c0");
  // Moving a child out leaves the parent's release to the rest.
  ArrowSchema moved = *schema.children[3];
  schema.children[3]->release = nullptr;
  schema.release(&schema);
  EXPECT_EQ(schema.release, nullptr);
  EXPECT_STREQ(moved.name, "c1");
  moved.release(&moved);
}

TEST(ArrowExport, every_buffer_counts_until_its_array_is_released) {
  auto memory = std::make_shared<QueryMemory>(1 << 20);
  const std::vector<OutputColumn> columns = {{"a", Dtype::uint8, 0}};
  {
    BatchBuilder unexported(memory, columns, 100);
    EXPECT_EQ(memory->held(), 1700u);  // 100 * (8 + 8 + 1)
  }
  EXPECT_EQ(memory->held(), 0u);
  BatchBuilder builder(memory, columns, 10);
  ArrowArray batch{};
  builder.export_to(&batch);
  EXPECT_EQ(memory->held(), 170u);
  ArrowArray column = *batch.children[2];
  batch.children[2]->release = nullptr;
  batch.release(&batch);
  EXPECT_EQ(memory->held(), 10u);
  column.release(&column);
  EXPECT_EQ(memory->held(), 0u);
  try {
    BatchBuilder too_big(memory, columns, 1 << 20);
    FAIL() << "expected resource_limit";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::resource_limit);
  }
  EXPECT_EQ(memory->held(), 0u);
}

}  // namespace
}  // namespace simingest::query::testing
