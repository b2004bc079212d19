#include "pipeline/numa_topology.hpp"

#include <gtest/gtest.h>

#include <sched.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/scratch_directory.hpp"

namespace simingest::pipeline {
namespace {

using testing_support::ScratchDirectory;
using testing_support::write_text_file;

// A fake sysfs: `<root>/devices/system/node/node<id>/cpulist` per entry.
void write_node(const ScratchDirectory& root, const std::string& node_dir, const std::string& cpulist) {
  write_text_file(root / ("devices/system/node/" + node_dir + "/cpulist"), cpulist);
}

std::vector<int> range(int first, int last) {
  std::vector<int> out;
  for (int cpu = first; cpu <= last; ++cpu) out.push_back(cpu);
  return out;
}

// ---- cpulists ------------------------------------------------------------------

TEST(Cpulist, parses_ranges_singles_and_the_trailing_newline) {
  EXPECT_EQ(parse_cpulist("0-3,8-11\n"), (std::vector<int>{0, 1, 2, 3, 8, 9, 10, 11}));
  EXPECT_EQ(parse_cpulist("5"), (std::vector<int>{5}));
  EXPECT_EQ(parse_cpulist("7,2,3-4"), (std::vector<int>{2, 3, 4, 7}));
  EXPECT_EQ(parse_cpulist("1-1,1"), (std::vector<int>{1}));
}

TEST(Cpulist, empty_text_is_no_cpus) {
  EXPECT_EQ(parse_cpulist(""), std::vector<int>{});
  EXPECT_EQ(parse_cpulist("\n"), std::vector<int>{});
}

TEST(Cpulist, rejects_malformed_lists) {
  for (const char* text : {"3-1", "1,,2", ",1", "1,", "-1", "0-", "a", "0-3x", "1 2", "0-3:2/4", "+1",
                           "1048576", "0-99999999"})
    EXPECT_FALSE(parse_cpulist(text).has_value()) << text;
}

TEST(Cpulist, formats_ranges_back) {
  EXPECT_EQ(format_cpulist({0, 1, 2, 3, 8, 9, 10, 11}), "0-3,8-11");
  EXPECT_EQ(format_cpulist({5}), "5");
  EXPECT_EQ(format_cpulist({1, 3, 4}), "1,3-4");
  EXPECT_EQ(format_cpulist({}), "");
}

// ---- topology from sysfs ------------------------------------------------------------

TEST(NumaTopology, reads_two_nodes_and_maps_cpus_to_them) {
  ScratchDirectory root;
  write_node(root, "node0", "0-3\n");
  write_node(root, "node1", "4-7\n");
  write_text_file(root / "devices/system/node/online", "0-1\n");  // not a node directory
  const NumaTopology topology = NumaTopology::read(root.path());
  EXPECT_EQ(topology.fallback_reason(), "");
  ASSERT_EQ(topology.node_count(), 2u);
  EXPECT_EQ(topology.nodes()[0].id, 0);
  EXPECT_EQ(topology.nodes()[0].cpus, range(0, 3));
  EXPECT_EQ(topology.nodes()[1].id, 1);
  EXPECT_EQ(topology.nodes()[1].cpus, range(4, 7));
  EXPECT_EQ(topology.node_index_of_cpu(2), 0u);
  EXPECT_EQ(topology.node_index_of_cpu(5), 1u);
  EXPECT_TRUE(topology.has_cpu(7));
  EXPECT_FALSE(topology.has_cpu(8));
  EXPECT_EQ(topology.node_index_of_cpu(8), 0u);  // unknown CPUs go to the first node
  EXPECT_EQ(topology.node_index_of_cpu(-1), 0u);
}

TEST(NumaTopology, four_nodes_with_gaps_in_ids_and_cpus_keep_kernel_ids_in_order) {
  ScratchDirectory root;
  write_node(root, "node10", "6,14");
  write_node(root, "node0", "0-1,8-9\n");
  write_node(root, "node2", "2-3,10-11\n");
  write_node(root, "node3", "4-5,12-13\n");
  write_node(root, "node7", "\n");  // memory only (e.g. CXL or HBM): no CPUs, no pool
  const NumaTopology topology = NumaTopology::read(root.path());
  EXPECT_EQ(topology.fallback_reason(), "");
  ASSERT_EQ(topology.node_count(), 4u);
  EXPECT_EQ(topology.nodes()[0].id, 0);
  EXPECT_EQ(topology.nodes()[1].id, 2);
  EXPECT_EQ(topology.nodes()[2].id, 3);
  EXPECT_EQ(topology.nodes()[3].id, 10);  // numerically after 3, not between 0 and 2
  EXPECT_EQ(topology.nodes()[1].cpus, (std::vector<int>{2, 3, 10, 11}));
  EXPECT_EQ(topology.node_index_of_cpu(11), 1u);
  EXPECT_EQ(topology.node_index_of_cpu(14), 3u);
  EXPECT_FALSE(topology.has_cpu(7));
  EXPECT_FALSE(topology.has_cpu(15));
  EXPECT_EQ(topology.all_cpus().size(), 14u);
}

TEST(NumaTopology, without_node_directory_one_node_holds_the_online_cpus) {
  ScratchDirectory root;
  write_text_file(root / "devices/system/cpu/online", "0-5\n");
  const NumaTopology topology = NumaTopology::read(root.path());
  ASSERT_EQ(topology.node_count(), 1u);
  EXPECT_EQ(topology.nodes()[0].cpus, range(0, 5));
  EXPECT_NE(topology.fallback_reason().find("devices/system/node"), std::string::npos)
      << topology.fallback_reason();
}

TEST(NumaTopology, without_any_sysfs_one_node_holds_hardware_concurrency_cpus) {
  ScratchDirectory root;
  const NumaTopology topology = NumaTopology::read(root.path());
  ASSERT_EQ(topology.node_count(), 1u);
  const int expected = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(topology.nodes()[0].cpus, range(0, expected - 1));
  EXPECT_FALSE(topology.fallback_reason().empty());
}

TEST(NumaTopology, malformed_cpulist_falls_back_to_one_node_naming_the_file) {
  ScratchDirectory root;
  write_node(root, "node0", "0-3\n");
  write_node(root, "node1", "4-x\n");
  write_text_file(root / "devices/system/cpu/online", "0-7\n");
  const NumaTopology topology = NumaTopology::read(root.path());
  ASSERT_EQ(topology.node_count(), 1u);
  EXPECT_EQ(topology.nodes()[0].cpus, range(0, 7));
  EXPECT_NE(topology.fallback_reason().find("node1/cpulist: malformed cpulist \"4-x\\n\""), std::string::npos)
      << topology.fallback_reason();
}

TEST(NumaTopology, missing_cpulist_falls_back_to_one_node) {
  ScratchDirectory root;
  write_node(root, "node0", "0-1\n");
  std::filesystem::create_directories(root / "devices/system/node/node1");
  write_text_file(root / "devices/system/cpu/online", "0-3\n");
  const NumaTopology topology = NumaTopology::read(root.path());
  ASSERT_EQ(topology.node_count(), 1u);
  EXPECT_EQ(topology.nodes()[0].cpus, range(0, 3));
  EXPECT_NE(topology.fallback_reason().find("node1/cpulist: cannot be read"), std::string::npos)
      << topology.fallback_reason();
}

TEST(NumaTopology, a_cpu_in_two_nodes_falls_back_to_one_node) {
  ScratchDirectory root;
  write_node(root, "node0", "0-3\n");
  write_node(root, "node1", "3-7\n");
  write_text_file(root / "devices/system/cpu/online", "0-7\n");
  const NumaTopology topology = NumaTopology::read(root.path());
  ASSERT_EQ(topology.node_count(), 1u);
  EXPECT_NE(topology.fallback_reason().find("CPU 3 is in node0 and node1"), std::string::npos)
      << topology.fallback_reason();
}

TEST(NumaTopology, node_directory_without_cpus_falls_back_to_one_node) {
  ScratchDirectory root;
  write_node(root, "node0", "\n");
  write_text_file(root / "devices/system/cpu/online", "0-1\n");
  const NumaTopology topology = NumaTopology::read(root.path());
  ASSERT_EQ(topology.node_count(), 1u);
  EXPECT_EQ(topology.nodes()[0].cpus, range(0, 1));
  EXPECT_NE(topology.fallback_reason().find("no node lists a CPU"), std::string::npos)
      << topology.fallback_reason();
}

TEST(NumaTopology, this_machine_has_at_least_one_node_covering_every_cpu_we_run_on) {
  const NumaTopology topology = NumaTopology::read("/sys");
  ASSERT_GE(topology.node_count(), 1u);
  const int cpu = sched_getcpu();
  ASSERT_GE(cpu, 0);
  EXPECT_TRUE(topology.has_cpu(cpu)) << format_cpulist(topology.all_cpus());
}

TEST(NumaTopology, from_nodes_refuses_a_shared_cpu_and_drops_empty_nodes) {
  EXPECT_THROW(NumaTopology::from_nodes({{0, {0, 1}}, {1, {1, 2}}}), std::invalid_argument);
  EXPECT_THROW(NumaTopology::from_nodes({{0, {}}}), std::invalid_argument);
  const NumaTopology topology = NumaTopology::from_nodes({{1, {3}}, {0, {}}, {2, {0}}});
  ASSERT_EQ(topology.node_count(), 2u);
  EXPECT_EQ(topology.nodes()[0].id, 1);
  EXPECT_EQ(topology.node_index_of_cpu(0), 1u);
}

}  // namespace
}  // namespace simingest::pipeline
