// Which CPUs belong to which NUMA node, read from Linux sysfs
// (`devices/system/node/node<N>/cpulist`) without libnuma.
//
// The engine keeps one buffer pool and one frame queue per node, and can pin
// workers to a node's CPUs. A topology always has at least one node and every
// node at least one CPU: where sysfs has no node directory (containers,
// kernels without NUMA) or its files cannot be read or parsed, the topology is
// one node holding every online CPU, and fallback_reason() says why. NUMA
// placement is an optimisation; a machine it cannot see still ingests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace simingest::pipeline {

// Parses a kernel cpulist ("0-3,8-11", "5", "" or "\n" for none) into sorted,
// distinct CPU ids. nullopt on anything else (a reversed range, an empty
// item, a sign, ids of 2^20 or more).
std::optional<std::vector<int>> parse_cpulist(std::string_view text);

// The inverse: sorted distinct ids as ranges ("0-3,8-11"); "" for none.
std::string format_cpulist(const std::vector<int>& cpus);

struct NumaNode {
  int id = 0;             // the kernel's node number (node ids may have gaps)
  std::vector<int> cpus;  // sorted, never empty
};

class NumaTopology {
 public:
  // Reads `<sysfs_root>/devices/system/node`; sysfs_root is "/sys" outside
  // tests. Never throws for what sysfs holds: see the fallback above.
  static NumaTopology read(const std::string& sysfs_root = "/sys");

  // A topology given directly (tests, or a host that knows better). Nodes
  // without CPUs are left out; nodes that share a CPU, or none with CPUs,
  // throw std::invalid_argument.
  static NumaTopology from_nodes(std::vector<NumaNode> nodes);

  // Nodes in increasing id order. Pools and queues are indexed by position
  // in this list ("node index"), not by the kernel's id.
  const std::vector<NumaNode>& nodes() const noexcept { return nodes_; }
  std::size_t node_count() const noexcept { return nodes_.size(); }

  bool has_cpu(int cpu) const noexcept {
    return cpu >= 0 && static_cast<std::size_t>(cpu) < node_of_cpu_.size() && node_of_cpu_[cpu] >= 0;
  }
  // The node index holding `cpu`; 0 for a CPU the topology does not know
  // (hot-plugged since, or an injected topology that differs from the machine).
  std::size_t node_index_of_cpu(int cpu) const noexcept {
    return has_cpu(cpu) ? static_cast<std::size_t>(node_of_cpu_[cpu]) : 0;
  }
  std::vector<int> all_cpus() const;

  // Empty when read from node directories; else why there is one node.
  const std::string& fallback_reason() const noexcept { return fallback_reason_; }

 private:
  static NumaTopology single_node(const std::string& sysfs_root, std::string reason);

  std::vector<NumaNode> nodes_;
  std::vector<int32_t> node_of_cpu_;  // cpu id → node index, -1 where none
  std::string fallback_reason_;
};

}  // namespace simingest::pipeline
