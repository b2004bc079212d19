// The snapshot rule of a query on an open ingestor (docs/ARCHITECTURE.md,
// "Reading while writing"), as a property under concurrency: writer threads
// ingest into one stream while query threads query it and a flusher flushes,
// with row groups, files and partitions small enough that seals, roll-overs
// and partition changes happen all the time. Every result must hold each
// frame whose ingest() returned before the query began, no frame twice, with
// its values intact, and be a prefix of the stream's final ingest order (read
// back from the committed dataset after close).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "simingest.h"

namespace {

namespace fs = std::filesystem;

constexpr int kWriters = 3;
constexpr int kFramesPerWriter = 1500;
constexpr int kQueriers = 2;
// Each writer waits for a query to finish every this many frames, so that
// queries interleave with ingestion whatever the relative speeds; writer 0
// also flushes every kFlushEvery frames.
constexpr int kFramesPerQuery = 40;
constexpr int kFlushEvery = 300;

// Small row groups (16 KiB, ~10 frames), files cut at 1 MiB (~650 frames)
// and at partition changes (every 1500 steps; the writers drift apart, so
// partitions alternate for a while around each boundary), two workers.
constexpr const char* kConfig = R"({
  "streams": {"s": {"columns": {"v": "float64", "k": "int64"}, "partition": {"steps": 1500}}},
  "rowGroupBytes": 16384,
  "fileBytes": 1048576,
  "workers": 2
})";

// Frame `step` holds 64 + step % 3 rows of v = step * 10 + row, and the scalar k = -step.
std::size_t rows_of(int64_t step) { return 64 + static_cast<std::size_t>(step % 3); }
double value_of(int64_t step, std::size_t row) { return static_cast<double>(step) * 10 + static_cast<double>(row); }

struct Frame {
  int64_t step = 0;
  std::size_t rows = 0;
};

// Reads a query's stream into its frames (runs of one step), checking every
// value on the way. Returns false, with `error` set, on any mismatch.
bool read_frames(ArrowArrayStream& stream, std::vector<Frame>& frames, std::string& error) {
  ArrowSchema schema{};
  if (stream.get_schema(&stream, &schema) != 0) {
    error = std::string("get_schema: ") + stream.get_last_error(&stream);
    return false;
  }
  const bool shape_ok = schema.n_children == 4 && std::string(schema.children[0]->name) == "step" &&
                        std::string(schema.children[2]->name) == "v" && std::string(schema.children[3]->name) == "k";
  schema.release(&schema);
  if (!shape_ok) {
    error = "unexpected schema";
    return false;
  }
  for (;;) {
    ArrowArray batch{};
    if (stream.get_next(&stream, &batch) != 0) {
      error = std::string("get_next: ") + stream.get_last_error(&stream);
      return false;
    }
    if (batch.release == nullptr) return true;
    const auto* step = static_cast<const int64_t*>(batch.children[0]->buffers[1]) + batch.children[0]->offset;
    const auto* v = static_cast<const double*>(batch.children[2]->buffers[1]) + batch.children[2]->offset;
    const auto* k = static_cast<const int64_t*>(batch.children[3]->buffers[1]) + batch.children[3]->offset;
    for (int64_t row = 0; row < batch.length; ++row) {
      if (frames.empty() || frames.back().step != step[row] || frames.back().rows == rows_of(step[row]))
        frames.push_back(Frame{step[row], 0});
      Frame& frame = frames.back();
      if (v[row] != value_of(frame.step, frame.rows) || k[row] != -frame.step) {
        error = "step " + std::to_string(frame.step) + " row " + std::to_string(frame.rows) + ": wrong values";
        batch.release(&batch);
        return false;
      }
      ++frame.rows;
    }
    batch.release(&batch);
  }
}

TEST(QuerySnapshot, every_result_is_a_prefix_of_the_ingest_order_holding_every_frame_ingested_before_it) {
  std::string dir = (fs::temp_directory_path() / "simingest-query-snapshot-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  simingest_ingestor* ingestor = nullptr;
  char* open_error = nullptr;
  ASSERT_EQ(simingest_open(dir.c_str(), kConfig, &ingestor, &open_error), SIMINGEST_OK) << open_error;

  // done[w]: frames writer w has seen ingest() return for (its steps w, w + kWriters, …).
  std::atomic<int> done[kWriters] = {};
  std::atomic<int> writers_left{kWriters};
  std::mutex query_mutex;
  std::condition_variable query_done;
  int queries_done = 0;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::vector<double> v(66);
      for (int i = 0; i < kFramesPerWriter; ++i) {
        const int64_t step = static_cast<int64_t>(i) * kWriters + w;
        const std::size_t rows = rows_of(step);
        for (std::size_t r = 0; r < rows; ++r) v[r] = value_of(step, r);
        const int64_t k = -step;
        simingest_column columns[2] = {{"v", SIMINGEST_FLOAT64, v.data(), rows},
                                       {"k", SIMINGEST_INT64, &k, SIMINGEST_SCALAR}};
        ASSERT_EQ(simingest_ingest(ingestor, "s", step, static_cast<double>(step), columns, 2), SIMINGEST_OK)
            << simingest_last_error(ingestor);
        done[w].store(i + 1, std::memory_order_release);
        if (w == 0 && (i + 1) % kFlushEvery == 0) {
          ASSERT_EQ(simingest_flush(ingestor), SIMINGEST_OK) << simingest_last_error(ingestor);
        }
        if ((i + 1) % kFramesPerQuery == 0) {
          std::unique_lock<std::mutex> lock(query_mutex);
          const int seen = queries_done;
          query_done.wait(lock, [&] { return queries_done > seen; });
        }
      }
      writers_left.fetch_sub(1);
    });
  }
  std::vector<std::vector<std::vector<Frame>>> results(kQueriers);
  for (int q = 0; q < kQueriers; ++q) {
    threads.emplace_back([&, q] {
      bool last = false;
      while (!last) {
        last = writers_left.load() == 0;  // one more query after the writers finish
        int before[kWriters];
        for (int w = 0; w < kWriters; ++w) before[w] = done[w].load(std::memory_order_acquire);
        simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
        if (q == 1) spec.flags = SIMINGEST_QUERY_BATCH_PER_FRAME;
        ArrowArrayStream stream{};
        ASSERT_EQ(simingest_query(ingestor, "s", &spec, &stream), SIMINGEST_OK) << simingest_last_error(ingestor);
        std::vector<Frame> frames;
        std::string error;
        const bool read = read_frames(stream, frames, error);
        stream.release(&stream);
        ASSERT_TRUE(read) << error;
        // Every frame whose ingest() returned before the query began, once.
        std::vector<int64_t> steps;
        for (const Frame& f : frames) {
          ASSERT_EQ(f.rows, rows_of(f.step)) << "step " << f.step << " torn";
          steps.push_back(f.step);
        }
        std::sort(steps.begin(), steps.end());
        ASSERT_EQ(std::adjacent_find(steps.begin(), steps.end()), steps.end()) << "a frame came back twice";
        for (int w = 0; w < kWriters; ++w)
          for (int i = 0; i < before[w]; ++i)
            ASSERT_TRUE(std::binary_search(steps.begin(), steps.end(), static_cast<int64_t>(i) * kWriters + w))
                << "step " << i * kWriters + w << " was ingested before the query but is missing";
        results[q].push_back(std::move(frames));
        {
          std::lock_guard<std::mutex> lock(query_mutex);
          ++queries_done;
        }
        query_done.notify_all();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);

  // The final ingest order, from the committed dataset.
  simingest_dataset* dataset = nullptr;
  char* error_text = nullptr;
  ASSERT_EQ(simingest_dataset_open(dir.c_str(), &dataset, &error_text), SIMINGEST_OK) << error_text;
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  ArrowArrayStream stream{};
  ASSERT_EQ(simingest_dataset_query(dataset, "s", &spec, &stream), SIMINGEST_OK)
      << simingest_dataset_last_error(dataset);
  std::vector<Frame> final_order;
  std::string error;
  ASSERT_TRUE(read_frames(stream, final_order, error)) << error;
  stream.release(&stream);
  simingest_dataset_close(&dataset);
  ASSERT_EQ(final_order.size(), static_cast<std::size_t>(kWriters * kFramesPerWriter));

  std::size_t queries = 0;
  for (const auto& per_thread : results) {
    for (const auto& frames : per_thread) {
      ++queries;
      ASSERT_LE(frames.size(), final_order.size());
      for (std::size_t i = 0; i < frames.size(); ++i)
        ASSERT_EQ(frames[i].step, final_order[i].step) << "result is not a prefix of the ingest order at frame " << i;
    }
  }
  EXPECT_GE(queries, static_cast<std::size_t>(kFramesPerWriter / kFramesPerQuery));
  fs::remove_all(dir);
}

}  // namespace
