// Encoding tasks: one per column chunk of each sealed row group, taken by
// any worker (a row group gathers frames of every node, so no node is local
// to it).
//
// Invariant: the queue holds exactly the chunks of sealed row groups that no
// worker has taken yet, and the workers' semaphore was posted once for each.
// Lock: `mutex_` guards `tasks_`; the semaphore is posted outside it.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>

#include "pipeline/row_group.hpp"
#include "pipeline/semaphore.hpp"

namespace simingest::pipeline {

struct ChunkTask {
  RowGroup* row_group;
  uint32_t column;  // 0 step, 1 time, 2.. the stream's columns
};

class ChunkTaskQueue {
 public:
  // `wake`: the workers' semaphore, posted once per task.
  explicit ChunkTaskQueue(Semaphore& wake) : wake_(wake) {}
  ChunkTaskQueue(const ChunkTaskQueue&) = delete;
  ChunkTaskQueue& operator=(const ChunkTaskQueue&) = delete;

  // One task per chunk of `group`, chunks 0 .. nchunks-1.
  void push_row_group(RowGroup* group, uint32_t nchunks) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (uint32_t c = 0; c < nchunks; ++c) tasks_.push_back(ChunkTask{group, c});
    }
    for (uint32_t c = 0; c < nchunks; ++c) wake_.post();
  }

  bool try_pop(ChunkTask& task) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (tasks_.empty()) return false;
    task = tasks_.front();
    tasks_.pop_front();
    return true;
  }

 private:
  std::mutex mutex_;
  std::deque<ChunkTask> tasks_;
  Semaphore& wake_;
};

}  // namespace simingest::pipeline
