// WorkerPool alone: each worker runs its loop once with its own index, is
// placed before the loop starts when affinity asks for it, and returns once
// stop() has set the flag and posted the semaphore. The engine's affinity
// tests (engine_affinity_test.cpp) cover pinning on real and fake topologies.
#include "pipeline/worker_pool.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "core/status.hpp"
#include "pipeline/numa_topology.hpp"
#include "pipeline/semaphore.hpp"

namespace simingest::pipeline {
namespace {

// The worker loop's shape: sleep on the semaphore until stop() wakes it.
struct RecordingLoop {
  WorkerPool& pool;
  Semaphore& wake;
  std::mutex mutex;
  std::vector<unsigned> started;
  std::atomic<unsigned> returned{0};

  void operator()(unsigned index) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      started.push_back(index);
    }
    while (!pool.stopping()) wake.wait();
    returned.fetch_add(1);
  }
};

TEST(WorkerPool, each_worker_runs_its_loop_once_and_stop_joins_them_all) {
  Semaphore wake;
  WorkerPool pool(wake);
  RecordingLoop loop{pool, wake, {}, {}, {}};
  pool.start(3, {}, [&loop](unsigned i) { loop(i); });
  EXPECT_EQ(pool.size(), 3u);
  EXPECT_TRUE(pool.placements().empty()) << "no affinity: nothing is placed";
  EXPECT_FALSE(pool.stopping());
  pool.stop();
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_EQ(loop.returned.load(), 3u);
  std::sort(loop.started.begin(), loop.started.end());
  EXPECT_EQ(loop.started, (std::vector<unsigned>{0, 1, 2}));
}

TEST(WorkerPool, placements_are_complete_when_start_returns) {
  // The CPUs this thread may run on: pinning to one of them succeeds.
  cpu_set_t mine;
  CPU_ZERO(&mine);
  ASSERT_EQ(sched_getaffinity(0, sizeof mine, &mine), 0);
  int cpu = 0;
  while (!CPU_ISSET(cpu, &mine)) ++cpu;

  Semaphore wake;
  WorkerPool pool(wake);
  RecordingLoop loop{pool, wake, {}, {}, {}};
  pool.start(2, {{cpu}, {cpu}}, [&loop](unsigned i) { loop(i); });
  ASSERT_EQ(pool.placements().size(), 2u);
  for (const WorkerPlacement& placement : pool.placements()) {
    EXPECT_EQ(placement.requested, std::vector<int>{cpu});
    EXPECT_EQ(placement.running_on, std::vector<int>{cpu}) << placement.failure;
    EXPECT_EQ(placement.failure, "");
  }
  pool.stop();
  EXPECT_EQ(loop.returned.load(), 2u);
}

TEST(WorkerPool, plan_assigns_nodes_round_robin_and_refuses_a_missing_cpu) {
  const NumaTopology topology = NumaTopology::from_nodes({{0, {0, 1}}, {1, {2, 3}}});
  AffinityConfig none;
  EXPECT_TRUE(WorkerPool::plan(none, topology, 4).empty());

  AffinityConfig numa;
  numa.kind = AffinityConfig::Kind::numa;
  EXPECT_EQ(WorkerPool::plan(numa, topology, 3), (std::vector<std::vector<int>>{{0, 1}, {2, 3}, {0, 1}}));

  AffinityConfig cpus;
  cpus.kind = AffinityConfig::Kind::cpus;
  cpus.cpus = {3, 1};
  EXPECT_EQ(WorkerPool::plan(cpus, topology, 3), (std::vector<std::vector<int>>{{3}, {1}, {3}}));

  cpus.cpus = {1, 7};
  try {
    WorkerPool::plan(cpus, topology, 2);
    ADD_FAILURE() << "CPU 7 does not exist";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::config);
    EXPECT_STREQ(e.what(), "affinity[1]: CPU 7 does not exist (this machine has CPUs 0-3)");
  }
}

}  // namespace
}  // namespace simingest::pipeline
