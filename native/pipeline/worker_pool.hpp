// The worker threads: started at open, each placed on its CPUs (affinity)
// before it runs its loop (worker_loop.cpp), stopped and joined at close.
//
// Invariant: when start() returns, every started worker has pinned itself
// (or recorded why it could not) and read back where it runs, so
// placements() is complete and needs no lock. After stop() no worker runs:
// the stop flag is set before the workers' semaphore is posted once per
// worker, so each one wakes, sees it and returns.
// Lock: `placement_mutex_` guards `placements_pending_`. Worker i alone
// writes `placements_[i]`, before it counts itself placed; the other fields
// belong to the thread that calls start() and stop() (open, close).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/config.hpp"
#include "pipeline/numa_topology.hpp"
#include "pipeline/semaphore.hpp"

namespace simingest::pipeline {

// Where a worker was asked to run (affinity) and where it ended up.
struct WorkerPlacement {
  std::vector<int> requested;   // empty: left to the scheduler
  std::vector<int> running_on;  // read back by the worker itself after pinning
  std::string failure;          // why pinning failed; the worker runs unpinned
};

class WorkerPool {
 public:
  // `wake`: the semaphore the workers sleep on; stop() posts it.
  explicit WorkerPool(Semaphore& wake) noexcept : wake_(wake) {}
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Worker i's CPUs under `affinity`, one entry per worker; empty for
  // "none" (the workers are left to the scheduler). Throws Error(config) for
  // a CPU the topology does not have, before anything is started.
  static std::vector<std::vector<int>> plan(const AffinityConfig& affinity, const NumaTopology& topology,
                                            unsigned workers);

  // Starts `count` workers, worker i running `loop(i)` once placed on
  // `cpus[i]` (`cpus` as plan() made it), and waits until each has placed
  // itself. Throws Error(resource_limit) if the system refuses a thread;
  // the workers already started run until stop().
  void start(unsigned count, std::vector<std::vector<int>> cpus, const std::function<void(unsigned)>& loop);

  // Read by the workers' loops between tasks.
  bool stopping() const noexcept { return stop_.load(std::memory_order_acquire); }

  // Stops and joins every worker; call once nothing will be enqueued anymore.
  void stop();

  std::size_t size() const noexcept { return threads_.size(); }
  // Empty without affinity; else one per worker, complete once start() returned.
  const std::vector<WorkerPlacement>& placements() const noexcept { return placements_; }

 private:
  void place(unsigned index) noexcept;

  Semaphore& wake_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::vector<WorkerPlacement> placements_;
  std::mutex placement_mutex_;
  std::condition_variable placement_done_;
  std::size_t placements_pending_ = 0;
};

}  // namespace simingest::pipeline
