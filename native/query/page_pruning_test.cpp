// Reading only what a query needs: frames found from the manifest's time
// index (step and time never decoded) and only the pages overlapping the
// selected rows read, for frames spanning several pages of every encoding the
// writer picks; and the fallback, whole chunks and decoded step and time, for
// chunks without an OffsetIndex and row groups without an index. Values are
// compared bit for bit with what was ingested.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "parquet/chunk_index_reader.hpp"
#include "parquet/footer_reader.hpp"
#include "pipeline/engine.hpp"
#include "query/arrow_export.hpp"
#include "query/dataset_reader.hpp"
#include "query/file_source.hpp"
#include "query/row_group_reader.hpp"
#include "storage/manifest_store.hpp"
#include "support/query_frames.hpp"
#include "support/scratch_directory.hpp"

namespace simingest::query {
namespace {

namespace fmt = parquet::format;

constexpr uint64_t kRows = 2048;  // per frame
constexpr int64_t kSteps = 12;
// Pages of 4 KiB: a frame's float32 column spans 2 pages, its int64 one 4;
// frames of 26 KiB (13 bytes a row), so row groups of about 8 frames.
constexpr const char* kConfig =
    R"({"streams":{"f":{"columns":{"v":"float32","k":{"dtype":"int64","encoding":"delta"},"c":"uint8"},)"
    R"("grid":[2048]}},"pageBytes":4096,"rowGroupBytes":200000,"workers":1})";

float v_of(int64_t step, uint64_t i) { return static_cast<float>(step) * 1000.0f + 0.5f * static_cast<float>(i); }
int64_t k_of(int64_t step, uint64_t i) { return static_cast<int64_t>(i) * 7919 - (step << 40); }
uint8_t c_of(int64_t step, uint64_t i) { return static_cast<uint8_t>((i / 700 + static_cast<uint64_t>(step)) % 3); }
double time_of(int64_t step) { return 0.25 * static_cast<double>(step); }

class PagePruning : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new testing_support::ScratchDirectory();
    auto engine = Engine::open(scratch_->path(), kConfig);
    std::vector<float> v(kRows);
    std::vector<int64_t> k(kRows);
    std::vector<uint8_t> c(kRows);
    for (int64_t step = 0; step < kSteps; ++step) {
      for (uint64_t i = 0; i < kRows; ++i) {
        v[i] = v_of(step, i);
        k[i] = k_of(step, i);
        c[i] = c_of(step, i);
      }
      const simingest_column columns[] = {{"v", SIMINGEST_FLOAT32, v.data(), kRows},
                                          {"k", SIMINGEST_INT64, k.data(), kRows},
                                          {"c", SIMINGEST_UINT8, c.data(), kRows}};
      std::string message;
      ASSERT_EQ(engine->ingest("f", step, time_of(step), columns, 3, false, message), Status::ok) << message;
    }
    engine->close();
  }
  static void TearDownTestSuite() { delete scratch_; }

  void SetUp() override {
    storage::LoadedManifest loaded = storage::load_manifest_copies(scratch_->path());
    ASSERT_TRUE(loaded.manifest);
    ASSERT_EQ(loaded.manifest->files.size(), 1u);
    entry_ = loaded.manifest->files.front();
    FilePart part;
    part.path = scratch_->path() + "/" + entry_.path;
    source_ = std::make_unique<FileSource>(part);
    footer_ = parquet::read_footer(*source_);
    data_end_ = parquet::footer_offset(*source_);
    config_ = DatasetReader(scratch_->path()).snapshot("f").config;
  }

  ResolvedQuery one_step(int64_t step) const {
    QuerySpec spec;
    spec.steps = StepRange{step, step};
    return resolve_query(config_, spec);
  }

  // Copies the selected frames of `reader` and checks every value and every
  // step and time against what was ingested for `steps`.
  void expect_frames(const RowGroupReader& reader, const ResolvedQuery& query, const std::vector<int64_t>& steps) {
    const uint64_t rows = reader.rows(0, reader.frames().size());
    ASSERT_EQ(rows, steps.size() * kRows);
    BatchBuilder batch(std::make_shared<QueryMemory>(uint64_t{1} << 30), query.columns, rows);
    reader.copy_into(batch, 0, 0, reader.frames().size(), query);
    for (std::size_t f = 0; f < steps.size(); ++f) {
      const int64_t step = steps[f];
      for (uint64_t i = 0; i < kRows; ++i) {
        const uint64_t r = f * kRows + i;
        ASSERT_EQ(batch.steps()[r], step);
        const double time = time_of(step);
        ASSERT_EQ(std::memcmp(&batch.times()[r], &time, 8), 0);
        const float v = v_of(step, i);
        const int64_t k = k_of(step, i);
        ASSERT_EQ(std::memcmp(batch.column(0) + r * 4, &v, 4), 0) << "step " << step << " row " << i;
        ASSERT_EQ(std::memcmp(batch.column(1) + r * 8, &k, 8), 0) << "step " << step << " row " << i;
        ASSERT_EQ(batch.column(2)[r], c_of(step, i)) << "step " << step << " row " << i;
      }
    }
  }

  static testing_support::ScratchDirectory* scratch_;
  storage::ManifestFile entry_;
  std::unique_ptr<FileSource> source_;
  fmt::FileMetaData footer_;
  uint64_t data_end_ = 0;
  StreamConfig config_;
};

testing_support::ScratchDirectory* PagePruning::scratch_ = nullptr;

TEST_F(PagePruning, the_file_has_row_groups_of_several_frames_each_spanning_several_pages) {
  ASSERT_GE(footer_.row_groups.size(), 2u);
  ASSERT_EQ(entry_.row_group_index.size(), footer_.row_groups.size());
  for (std::size_t g = 0; g < footer_.row_groups.size(); ++g) {
    const fmt::RowGroup& group = footer_.row_groups[g];
    const storage::RowGroupIndex& index = entry_.row_group_index[g];
    ASSERT_GE(index.frames, 2);
    ASSERT_EQ(index.frame_entries.size(), static_cast<std::size_t>(index.frames));
    for (std::size_t c = 2; c < 4; ++c) {  // v and k
      const fmt::ColumnChunk& chunk = group.columns[c];
      const auto pages = parquet::read_page_entries(*source_, chunk, c == 2 ? Dtype::float32 : Dtype::int64,
                                                    chunk.meta_data.data_page_offset,
                                                    chunk.meta_data.total_compressed_size);
      EXPECT_GE(pages.size(), 2 * static_cast<std::size_t>(index.frames)) << "column " << c;
    }
  }
}

TEST_F(PagePruning, one_step_reads_only_its_pages_and_takes_step_and_time_from_the_index) {
  for (std::size_t g = 0; g < footer_.row_groups.size(); ++g) {
    const storage::RowGroupIndex& index = entry_.row_group_index[g];
    for (const storage::FrameIndexEntry& frame : index.frame_entries) {
      const ResolvedQuery query = one_step(frame.step);
      RowGroupReader reader;
      ASSERT_TRUE(reader.select(*source_, data_end_, footer_.row_groups[g], &index, query, "rg"));
      EXPECT_TRUE(reader.frames_came_from_index());
      reader.use_file_columns(query, nullptr);
      reader.decode_columns(*source_, data_end_, footer_.row_groups[g], query, "rg");
      ASSERT_EQ(reader.read_whole_chunks().size(), 3u);
      for (bool whole : reader.read_whole_chunks()) EXPECT_FALSE(whole) << "step " << frame.step;
      expect_frames(reader, query, {frame.step});
    }
  }
}

TEST_F(PagePruning, without_the_index_step_and_time_are_decoded_and_pages_still_pruned) {
  const int64_t step = entry_.row_group_index[0].frame_entries[1].step;
  const ResolvedQuery query = one_step(step);
  RowGroupReader reader;
  ASSERT_TRUE(reader.select(*source_, data_end_, footer_.row_groups[0], nullptr, query, "rg"));
  EXPECT_FALSE(reader.frames_came_from_index());
  reader.use_file_columns(query, nullptr);
  reader.decode_columns(*source_, data_end_, footer_.row_groups[0], query, "rg");
  for (bool whole : reader.read_whole_chunks()) EXPECT_FALSE(whole);
  expect_frames(reader, query, {step});
}

TEST_F(PagePruning, chunks_without_an_offset_index_are_read_whole_with_the_same_values) {
  // What a salvaged file's footer holds: no page index.
  fmt::RowGroup group = footer_.row_groups[0];
  for (fmt::ColumnChunk& chunk : group.columns) {
    chunk.offset_index_offset.reset();
    chunk.offset_index_length.reset();
    chunk.column_index_offset.reset();
    chunk.column_index_length.reset();
  }
  const std::vector<storage::FrameIndexEntry>& frames = entry_.row_group_index[0].frame_entries;
  QuerySpec spec;
  spec.steps = StepRange{frames[1].step, frames[3].step};
  spec.every = 2;
  const ResolvedQuery query = resolve_query(config_, spec);
  RowGroupReader reader;
  ASSERT_TRUE(reader.select(*source_, data_end_, group, nullptr, query, "rg"));
  EXPECT_FALSE(reader.frames_came_from_index());
  reader.use_file_columns(query, nullptr);
  reader.decode_columns(*source_, data_end_, group, query, "rg");
  for (bool whole : reader.read_whole_chunks()) EXPECT_TRUE(whole);
  expect_frames(reader, query, {frames[1].step, frames[3].step});
}

TEST_F(PagePruning, an_index_that_disagrees_with_the_row_group_is_not_used) {
  storage::RowGroupIndex index = entry_.row_group_index[0];
  index.frame_entries.back().rows -= 1;  // no longer covers the row group
  const int64_t step = index.frame_entries[0].step;
  const ResolvedQuery query = one_step(step);
  RowGroupReader reader;
  ASSERT_TRUE(reader.select(*source_, data_end_, footer_.row_groups[0], &index, query, "rg"));
  EXPECT_FALSE(reader.frames_came_from_index());
  reader.use_file_columns(query, nullptr);
  reader.decode_columns(*source_, data_end_, footer_.row_groups[0], query, "rg");
  expect_frames(reader, query, {step});
}

TEST_F(PagePruning, a_range_query_through_the_dataset_gives_every_selected_frame_exactly) {
  QuerySpec spec;
  spec.steps = StepRange{3, 10};
  spec.every = 3;  // 3, 6, 9: across both row groups
  spec.columns = std::vector<std::string>{"c", "v"};
  ArrowArrayStream out{};
  DatasetReader(scratch_->path()).query("f", spec, &out);
  const testing::Collected got = testing::collect(out);
  ASSERT_EQ(got.error, 0) << got.message;
  std::vector<uint8_t> steps, c, v;
  for (int64_t step : {3, 6, 9}) {
    for (uint64_t i = 0; i < kRows; ++i) {
      const int64_t s = step;
      const float value = v_of(step, i);
      steps.insert(steps.end(), reinterpret_cast<const uint8_t*>(&s), reinterpret_cast<const uint8_t*>(&s) + 8);
      c.push_back(c_of(step, i));
      v.insert(v.end(), reinterpret_cast<const uint8_t*>(&value), reinterpret_cast<const uint8_t*>(&value) + 4);
    }
  }
  ASSERT_EQ(got.columns.size(), 4u);
  EXPECT_TRUE(got.columns[0] == steps);
  EXPECT_TRUE(got.columns[2] == c);
  EXPECT_TRUE(got.columns[3] == v);
}

}  // namespace
}  // namespace simingest::query
