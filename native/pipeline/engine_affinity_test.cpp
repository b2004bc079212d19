// The engine on NUMA topologies: per-node pools and queues, workers pinned as
// `affinity` asks (read back by each worker with pthread_getaffinity_np and
// reported in stats), stealing across nodes, and the one-node case.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/status.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/numa_topology.hpp"
#include "support/deadline.hpp"
#include "support/scratch_directory.hpp"

namespace simingest {
namespace {

using pipeline::NumaNode;
using pipeline::NumaTopology;
using testing_support::ScratchDirectory;

bool pin_this_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// True when this process may run on both CPU 0 and CPU 1, which the fake
// two-node topologies below put on different nodes.
bool may_run_on_cpus_0_and_1() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return false;
  return CPU_ISSET(0, &set) && CPU_ISSET(1, &set);
}

std::string config(int workers, const std::string& affinity) {
  return R"({"streams":{"f":{"columns":{"v":"float64"}}},"memoryLimit":8388608,"rowGroupBytes":65536,)"
         R"("workers":)" +
         std::to_string(workers) + R"(,"affinity":)" + affinity + "}";
}

EngineOptions on_topology(std::vector<NumaNode> nodes) {
  EngineOptions options;
  options.topology = std::make_shared<const NumaTopology>(NumaTopology::from_nodes(std::move(nodes)));
  return options;
}

// Ingests `frames` frames of 1024 float64 from a thread pinned to `cpu`
// (-1: not pinned), then flushes from that thread. A frame no worker ever
// takes would make flush wait forever: after a minute the test aborts.
void ingest_from_cpu(Engine& engine, int cpu, int first_step, int frames) {
  const std::string what = "ingest_from_cpu(" + std::to_string(cpu) + ")";
  testing_support::within(std::chrono::seconds(60), what.c_str(), [&] {
    std::thread host([&] {
      if (cpu >= 0) {
        ASSERT_TRUE(pin_this_thread(cpu));
      }
      std::vector<double> values(1024, 0.25);
      std::string message;
      for (int step = first_step; step < first_step + frames; ++step) {
        values[0] = step;
        simingest_column column{"v", SIMINGEST_FLOAT64, values.data(), values.size()};
        ASSERT_EQ(engine.ingest("f", step, step * 0.5, &column, 1, false, message), Status::ok) << message;
      }
      engine.flush();
    });
    host.join();
  });
}

nlohmann::json stats(const Engine& engine) { return nlohmann::json::parse(engine.stats_json()); }

TEST(EngineAffinity, numa_on_a_fake_two_node_topology_pins_workers_round_robin_and_commits_every_frame) {
  if (!may_run_on_cpus_0_and_1()) GTEST_SKIP() << "needs CPUs 0 and 1";
  ScratchDirectory root;
  auto engine = Engine::open(root.path(), config(4, R"("numa")"), on_topology({{0, {0}}, {1, {1}}}));
  // Two hosts, one on each node, at the same time.
  std::thread a([&] { ingest_from_cpu(*engine, 0, 0, 60); });
  std::thread b([&] { ingest_from_cpu(*engine, 1, 1000, 60); });
  a.join();
  b.join();
  const auto s = stats(*engine);
  EXPECT_EQ(s["framesCommitted"], 120);
  EXPECT_EQ(s["framesInFlight"], 0);
  EXPECT_EQ(s["affinity"]["requested"], "numa");
  EXPECT_EQ(s["affinity"]["applied"], true) << s["affinity"].dump();
  EXPECT_EQ(s["affinity"]["workerCpus"], nlohmann::json({"0", "1", "0", "1"}));
  ASSERT_EQ(s["numa"]["nodes"].size(), 2u);
  EXPECT_EQ(s["numa"]["nodes"][0]["cpus"], "0");
  EXPECT_EQ(s["numa"]["nodes"][1]["cpus"], "1");
  // Each host drew its buffers from its own node's pool.
  EXPECT_GT(s["numa"]["nodes"][0]["poolAllocations"].get<uint64_t>(), 0u);
  EXPECT_GT(s["numa"]["nodes"][1]["poolAllocations"].get<uint64_t>(), 0u);
  engine->close();
}

TEST(EngineAffinity, frames_of_a_node_without_workers_are_stolen_by_other_nodes) {
  if (!may_run_on_cpus_0_and_1()) GTEST_SKIP() << "needs CPUs 0 and 1";
  ScratchDirectory root;
  // The only worker sits on node 0; every frame is made on node 1.
  auto engine = Engine::open(root.path(), config(1, "[0]"), on_topology({{0, {0}}, {1, {1}}}));
  ingest_from_cpu(*engine, 1, 0, 80);
  const auto s = stats(*engine);
  EXPECT_EQ(s["framesCommitted"], 80);
  EXPECT_EQ(s["affinity"]["workerCpus"], nlohmann::json({"0"}));
  EXPECT_EQ(s["numa"]["nodes"][0]["poolAllocations"], 0);
  EXPECT_GT(s["numa"]["nodes"][1]["poolAllocations"].get<uint64_t>(), 0u);
  engine->close();
}

TEST(EngineAffinity, cpu_list_pins_worker_i_to_cpu_i_modulo_the_list_on_this_machine) {
  if (!may_run_on_cpus_0_and_1()) GTEST_SKIP() << "needs CPUs 0 and 1";
  ScratchDirectory root;
  auto engine = Engine::open(root.path(), config(3, "[1,0]"));
  ingest_from_cpu(*engine, -1, 0, 20);
  const auto s = stats(*engine);
  EXPECT_EQ(s["framesCommitted"], 20);
  EXPECT_EQ(s["affinity"]["requested"], nlohmann::json({1, 0}));
  EXPECT_EQ(s["affinity"]["applied"], true) << s["affinity"].dump();
  EXPECT_EQ(s["affinity"]["workerCpus"], nlohmann::json({"1", "0", "1"}));
}

TEST(EngineAffinity, numa_on_this_machine_pins_each_worker_to_a_whole_node) {
  const NumaTopology machine = NumaTopology::read("/sys");
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  for (int cpu : machine.all_cpus())
    if (!CPU_ISSET(cpu, &allowed)) GTEST_SKIP() << "runs in a cpuset narrower than the machine";
  ScratchDirectory root;
  auto engine = Engine::open(root.path(), config(2, R"("numa")"));
  ingest_from_cpu(*engine, -1, 0, 20);
  const auto s = stats(*engine);
  EXPECT_EQ(s["framesCommitted"], 20);
  EXPECT_EQ(s["affinity"]["applied"], true) << s["affinity"].dump();
  ASSERT_EQ(s["numa"]["nodes"].size(), machine.node_count());
  for (std::size_t i = 0; i < 2; ++i)
    EXPECT_EQ(s["affinity"]["workerCpus"][i],
              pipeline::format_cpulist(machine.nodes()[i % machine.node_count()].cpus));
}

TEST(EngineAffinity, without_affinity_nothing_is_pinned) {
  ScratchDirectory root;
  auto engine = Engine::open(root.path(), R"({"streams":{"f":{"columns":{"v":"float64"}}},"workers":2})");
  ingest_from_cpu(*engine, -1, 0, 5);
  const auto s = stats(*engine);
  EXPECT_EQ(s["framesCommitted"], 5);
  EXPECT_EQ(s["affinity"], nlohmann::json({{"requested", "none"}}));
  EXPECT_GE(s["numa"]["nodes"].size(), 1u);
}

TEST(EngineAffinity, a_cpu_the_machine_lacks_fails_open_with_a_config_error) {
  ScratchDirectory root;
  try {
    Engine::open(root.path(), config(2, "[1,0,17]"), on_topology({{0, {0, 1}}, {1, {2, 3}}}));
    FAIL() << "opened";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::config);
    EXPECT_EQ(std::string(e.what()), "affinity[2]: CPU 17 does not exist (this machine has CPUs 0-3)");
  }
}

TEST(EngineAffinity, pinning_the_kernel_refuses_is_reported_not_fatal) {
  ScratchDirectory root;
  // The injected topology claims CPU 4000; the kernel has no such CPU.
  auto engine = Engine::open(root.path(), config(2, "[4000]"), on_topology({{0, {0, 1}}, {1, {4000}}}));
  ingest_from_cpu(*engine, -1, 0, 10);
  const auto s = stats(*engine);
  EXPECT_EQ(s["framesCommitted"], 10);
  EXPECT_EQ(s["affinity"]["applied"], false);
  const std::string reason = s["affinity"]["reason"];
  EXPECT_NE(reason.find("worker 0: pthread_setaffinity_np(CPUs 4000) failed"), std::string::npos) << reason;
  // The workers kept the mask they were born with.
  EXPECT_NE(s["affinity"]["workerCpus"][0], "4000");
  EXPECT_NE(s["affinity"]["workerCpus"][0], "");
}

}  // namespace
}  // namespace simingest
