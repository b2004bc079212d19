// simingest_flush_async() and simingest_close_async() as an event-loop host
// uses them: every registration is called back exactly once, flushes complete
// in call order and see their data committed, a close completes after every
// pending flush and reports a storage failure, and bad arguments are refused
// without a callback. Written to run under TSan: the callbacks only touch the
// recorder under its mutex.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "simingest.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kConfig = R"({
  "streams": {
    "table": {"columns": {"id": "int64", "v": "float32"}},
    "other": {"columns": {"w": "float64"}}
  },
  "memoryLimit": 8388608,
  "workers": 2,
  "backpressure": {"policy": "block"}
})";
constexpr std::size_t kRows = 4096;

// Frames listed in the manifest's committed files (read from the dataset, not the ingestor).
int64_t committed_frames(const std::string& path) {
  std::ifstream in(fs::path(path) / "_simingest" / "manifest.json");
  if (!in) return -1;
  const json manifest = json::parse(in);
  int64_t frames = 0;
  for (const json& file : manifest["files"]) frames += file["frames"].get<int64_t>();
  return frames;
}

// What the callbacks saw, one slot per registration.
class Recorder {
 public:
  struct Slot {
    Recorder* recorder = nullptr;
    int id = 0;
    int calls = 0;
    simingest_status status = SIMINGEST_OK;
    std::string message;
    int64_t frames_seen = -1;  // committed frames when the callback ran
  };

  // A slot to pass as user_data; stable until the recorder goes.
  Slot* add() {
    std::lock_guard<std::mutex> lock(mutex_);
    slots_.emplace_back();
    slots_.back().recorder = this;
    slots_.back().id = static_cast<int>(slots_.size()) - 1;
    return &slots_.back();
  }

  void watch_frames_of(std::string path) { path_ = std::move(path); }

  static void callback(void* user, simingest_status status, const char* message) {
    auto* slot = static_cast<Slot*>(user);
    Recorder& self = *slot->recorder;
    const int64_t frames = self.path_.empty() ? -1 : committed_frames(self.path_);
    std::lock_guard<std::mutex> lock(self.mutex_);
    ++slot->calls;
    slot->status = status;
    slot->message = message;
    slot->frames_seen = frames;
    self.order_.push_back(slot->id);
    self.changed_.notify_all();
  }

  // Waits until `count` callbacks have run in total (or a generous timeout).
  bool wait_for(std::size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(60), [&] { return order_.size() >= count; });
  }

  std::vector<int> order() {
    std::lock_guard<std::mutex> lock(mutex_);
    return order_;
  }
  Slot slot(int id) {
    std::lock_guard<std::mutex> lock(mutex_);
    return slots_[static_cast<std::size_t>(id)];
  }
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return slots_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Slot> slots_;
  std::vector<int> order_;
  std::string path_;  // set before any registration
};

class CApiAsync : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / "simingest-async-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir_.data()), nullptr);
    path_ = dir_ + "/ds";
    char* error = nullptr;
    ASSERT_EQ(simingest_open(path_.c_str(), kConfig, &ingestor_, &error), SIMINGEST_OK) << (error ? error : "");
    ids_.resize(kRows);
    values_.resize(kRows);
    for (std::size_t i = 0; i < kRows; ++i) {
      ids_[i] = static_cast<int64_t>(i);
      values_[i] = 0.5f * static_cast<float>(i);
    }
  }

  void TearDown() override {
    EXPECT_EQ(simingest_close(&ingestor_), SIMINGEST_OK) << simingest_last_error(nullptr);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  simingest_status ingest(int64_t step) {
    const simingest_column columns[] = {{"id", SIMINGEST_INT64, ids_.data(), kRows},
                                        {"v", SIMINGEST_FLOAT32, values_.data(), kRows}};
    return simingest_ingest(ingestor_, "table", step, static_cast<double>(step), columns, 2);
  }

  std::string dir_;
  std::string path_;
  simingest_ingestor* ingestor_ = nullptr;
  std::vector<int64_t> ids_;
  std::vector<float> values_;
};

TEST_F(CApiAsync, a_flush_calls_back_once_after_its_frames_are_committed) {
  Recorder recorder;
  recorder.watch_frames_of(path_);
  for (int64_t step = 0; step < 10; ++step) ASSERT_EQ(ingest(step), SIMINGEST_OK) << simingest_last_error(ingestor_);
  ASSERT_EQ(simingest_flush_async(ingestor_, &Recorder::callback, recorder.add()), SIMINGEST_OK)
      << simingest_last_error(ingestor_);
  ASSERT_TRUE(recorder.wait_for(1));
  const Recorder::Slot done = recorder.slot(0);
  EXPECT_EQ(done.status, SIMINGEST_OK);
  EXPECT_EQ(done.message, "");
  EXPECT_EQ(done.frames_seen, 10) << "the callback ran before the frames were committed";
  // Exactly once: a later flush's completion is the only other callback.
  ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK);
  EXPECT_EQ(recorder.order(), std::vector<int>{0});
}

TEST_F(CApiAsync, flushes_complete_in_the_order_they_were_called) {
  Recorder recorder;
  recorder.watch_frames_of(path_);
  constexpr int kFlushes = 30;
  for (int i = 0; i < kFlushes; ++i) {
    ASSERT_EQ(ingest(i), SIMINGEST_OK) << simingest_last_error(ingestor_);
    ASSERT_EQ(simingest_flush_async(ingestor_, &Recorder::callback, recorder.add()), SIMINGEST_OK);
  }
  ASSERT_TRUE(recorder.wait_for(kFlushes));
  std::vector<int> expected(kFlushes);
  for (int i = 0; i < kFlushes; ++i) expected[static_cast<std::size_t>(i)] = i;
  EXPECT_EQ(recorder.order(), expected);
  for (int i = 0; i < kFlushes; ++i) {
    const Recorder::Slot done = recorder.slot(i);
    EXPECT_EQ(done.calls, 1);
    EXPECT_EQ(done.status, SIMINGEST_OK);
    EXPECT_GE(done.frames_seen, i + 1) << "flush " << i << " completed before its frame was committed";
  }
}

TEST_F(CApiAsync, flushes_from_several_threads_are_each_called_back_once) {
  Recorder recorder;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<Recorder::Slot*> slots;
  for (int i = 0; i < kThreads * kPerThread; ++i) slots.push_back(recorder.add());
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int64_t step = t * kPerThread + i;
        if (ingest(step) != SIMINGEST_OK) ++failures[static_cast<std::size_t>(t)];
        if (simingest_flush_async(ingestor_, &Recorder::callback, slots[static_cast<std::size_t>(step)]) !=
            SIMINGEST_OK)
          ++failures[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(kThreads, 0));
  ASSERT_TRUE(recorder.wait_for(kThreads * kPerThread));
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    EXPECT_EQ(recorder.slot(i).calls, 1) << "registration " << i;
    EXPECT_EQ(recorder.slot(i).status, SIMINGEST_OK);
  }
  EXPECT_EQ(committed_frames(path_), kThreads * kPerThread);
}

TEST_F(CApiAsync, a_close_completes_after_every_pending_flush_and_refuses_calls_meanwhile) {
  Recorder flushes;
  constexpr int kFlushes = 20;
  for (int i = 0; i < kFlushes; ++i) {
    ASSERT_EQ(ingest(i), SIMINGEST_OK);
    ASSERT_EQ(simingest_flush_async(ingestor_, &Recorder::callback, flushes.add()), SIMINGEST_OK);
  }
  Recorder close;
  close.watch_frames_of(path_);
  ASSERT_EQ(simingest_close_async(ingestor_, &Recorder::callback, close.add()), SIMINGEST_OK)
      << simingest_last_error(ingestor_);
  // Closing: nothing more is accepted, and nothing is registered.
  EXPECT_EQ(ingest(99), SIMINGEST_ERR_CLOSED);
  EXPECT_EQ(simingest_flush(ingestor_), SIMINGEST_ERR_CLOSED);
  EXPECT_EQ(simingest_flush_async(ingestor_, &Recorder::callback, flushes.add()), SIMINGEST_ERR_CLOSED);
  EXPECT_EQ(simingest_close_async(ingestor_, &Recorder::callback, close.add()), SIMINGEST_ERR_CLOSED);
  EXPECT_STREQ(simingest_last_error(ingestor_), "the ingestor is closed");

  ASSERT_TRUE(close.wait_for(1));
  // Every flush was called back before the close was (flushes.order() is
  // read after the close callback ran, which happened after them).
  EXPECT_EQ(flushes.order().size(), static_cast<std::size_t>(kFlushes));
  for (int i = 0; i < kFlushes; ++i) EXPECT_EQ(flushes.slot(i).status, SIMINGEST_OK);
  EXPECT_EQ(close.slot(0).status, SIMINGEST_OK);
  EXPECT_EQ(close.slot(0).frames_seen, kFlushes);
  EXPECT_EQ(simingest_close(&ingestor_), SIMINGEST_OK);
  EXPECT_EQ(ingestor_, nullptr);
  // The refused registrations (ids kFlushes and 1) were never called back.
  EXPECT_EQ(flushes.order().size(), static_cast<std::size_t>(kFlushes));
  EXPECT_EQ(close.order(), std::vector<int>{0});
  // The dataset lock was released: it opens again.
  simingest_ingestor* again = nullptr;
  ASSERT_EQ(simingest_open(path_.c_str(), kConfig, &again, nullptr), SIMINGEST_OK);
  EXPECT_EQ(simingest_close(&again), SIMINGEST_OK);
}

TEST_F(CApiAsync, close_before_the_close_callback_waits_for_it) {
  Recorder close;
  for (int i = 0; i < 20; ++i) ASSERT_EQ(ingest(i), SIMINGEST_OK);
  ASSERT_EQ(simingest_close_async(ingestor_, &Recorder::callback, close.add()), SIMINGEST_OK);
  EXPECT_EQ(simingest_close(&ingestor_), SIMINGEST_OK);
  EXPECT_EQ(close.order(), std::vector<int>{0});  // already ran, exactly once
  EXPECT_EQ(close.slot(0).status, SIMINGEST_OK);
  EXPECT_EQ(committed_frames(path_), 20);
}

TEST_F(CApiAsync, a_storage_failure_reaches_the_flush_and_the_close_callbacks) {
  ASSERT_EQ(ingest(0), SIMINGEST_OK);
  ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK);
  // The dataset disappears under the open ingestor: nothing more may be committed.
  fs::rename(path_, dir_ + "/moved");
  Recorder recorder;
  ASSERT_EQ(ingest(1), SIMINGEST_OK);
  ASSERT_EQ(simingest_flush_async(ingestor_, &Recorder::callback, recorder.add()), SIMINGEST_OK);
  ASSERT_EQ(simingest_close_async(ingestor_, &Recorder::callback, recorder.add()), SIMINGEST_OK);
  ASSERT_TRUE(recorder.wait_for(2));
  EXPECT_EQ(recorder.order(), (std::vector<int>{0, 1}));
  for (int id : {0, 1}) {
    const Recorder::Slot done = recorder.slot(id);
    EXPECT_EQ(done.status, SIMINGEST_ERR_DATASET_LOST) << simingest_status_string(done.status) << ": " << done.message;
    EXPECT_NE(done.message.find("ds"), std::string::npos) << done.message;
  }
  EXPECT_EQ(simingest_close(&ingestor_), SIMINGEST_OK);
}

TEST_F(CApiAsync, null_arguments_are_refused_and_never_called_back) {
  Recorder recorder;
  Recorder::Slot* slot = recorder.add();
  EXPECT_EQ(simingest_flush_async(nullptr, &Recorder::callback, slot), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(simingest_last_error(nullptr), "ingestor is NULL");
  EXPECT_EQ(simingest_flush_async(ingestor_, nullptr, slot), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(simingest_last_error(ingestor_), "callback is NULL");
  EXPECT_EQ(simingest_close_async(nullptr, &Recorder::callback, slot), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(simingest_close_async(ingestor_, nullptr, slot), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(simingest_last_error(ingestor_), "callback is NULL");
  // The refused close left the ingestor open and working.
  ASSERT_EQ(ingest(0), SIMINGEST_OK) << simingest_last_error(ingestor_);
  ASSERT_EQ(simingest_flush(ingestor_), SIMINGEST_OK);
  EXPECT_TRUE(recorder.order().empty());
}

}  // namespace
