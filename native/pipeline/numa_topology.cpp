#include "pipeline/numa_topology.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

namespace simingest::pipeline {

namespace {

namespace fs = std::filesystem;

// Far above any machine's CPU count (Linux's NR_CPUS tops out at 8192), low
// enough that a corrupt file cannot make us allocate much.
constexpr int kCpuIdLimit = 1 << 20;

// sysfs attributes are at most a page; more than this is not a cpulist.
constexpr std::size_t kMaxFileBytes = 1 << 16;

std::optional<std::string> read_small_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return std::nullopt;
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes) return std::nullopt;
  return text;
}

std::optional<int> parse_cpu_id(std::string_view text) {
  if (text.empty() || text.size() > 7) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value >= kCpuIdLimit) return std::nullopt;
  return value;
}

// "node12" → 12; anything else (e.g. "online", "has_cpu", "node") → nullopt.
std::optional<int> node_id_of(const std::string& name) {
  if (name.size() <= 4 || name.compare(0, 4, "node") != 0) return std::nullopt;
  return parse_cpu_id(std::string_view(name).substr(4));
}

std::string printable_quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (std::isprint(static_cast<unsigned char>(c))) {
      out += c;
    } else {
      out += '?';
    }
    if (out.size() > 80) return out + "...\"";
  }
  return out + "\"";
}

}  // namespace

std::optional<std::vector<int>> parse_cpulist(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  std::vector<int> cpus;
  if (text.empty()) return cpus;
  for (;;) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    const std::size_t dash = item.find('-');
    const auto first = parse_cpu_id(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : parse_cpu_id(item.substr(dash + 1));
    if (!first || !last || *last < *first) return std::nullopt;
    for (int cpu = *first; cpu <= *last; ++cpu) cpus.push_back(cpu);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpulist(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

NumaTopology NumaTopology::from_nodes(std::vector<NumaNode> nodes) {
  nodes.erase(std::remove_if(nodes.begin(), nodes.end(), [](const NumaNode& n) { return n.cpus.empty(); }),
              nodes.end());
  if (nodes.empty()) throw std::invalid_argument("no node lists a CPU");
  std::sort(nodes.begin(), nodes.end(), [](const NumaNode& a, const NumaNode& b) { return a.id < b.id; });
  NumaTopology topology;
  for (std::size_t index = 0; index < nodes.size(); ++index) {
    NumaNode& node = nodes[index];
    if (index > 0 && nodes[index - 1].id == node.id)
      throw std::invalid_argument("node" + std::to_string(node.id) + " is listed twice");
    std::sort(node.cpus.begin(), node.cpus.end());
    node.cpus.erase(std::unique(node.cpus.begin(), node.cpus.end()), node.cpus.end());
    for (int cpu : node.cpus) {
      if (cpu < 0 || cpu >= kCpuIdLimit) throw std::invalid_argument("CPU id " + std::to_string(cpu) + " is impossible");
      if (static_cast<std::size_t>(cpu) >= topology.node_of_cpu_.size())
        topology.node_of_cpu_.resize(static_cast<std::size_t>(cpu) + 1, -1);
      int32_t& owner = topology.node_of_cpu_[static_cast<std::size_t>(cpu)];
      if (owner >= 0)
        throw std::invalid_argument("CPU " + std::to_string(cpu) + " is in node" +
                                    std::to_string(nodes[static_cast<std::size_t>(owner)].id) + " and node" +
                                    std::to_string(node.id));
      owner = static_cast<int32_t>(index);
    }
  }
  topology.nodes_ = std::move(nodes);
  return topology;
}

NumaTopology NumaTopology::single_node(const std::string& sysfs_root, std::string reason) {
  std::vector<int> cpus;
  if (auto text = read_small_file(fs::path(sysfs_root) / "devices/system/cpu/online"))
    if (auto parsed = parse_cpulist(*text)) cpus = std::move(*parsed);
  if (cpus.empty()) {
    const int count = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int cpu = 0; cpu < count; ++cpu) cpus.push_back(cpu);
  }
  NumaTopology topology = from_nodes({NumaNode{0, std::move(cpus)}});
  topology.fallback_reason_ = std::move(reason);
  return topology;
}

NumaTopology NumaTopology::read(const std::string& sysfs_root) {
  const fs::path directory = fs::path(sysfs_root) / "devices/system/node";
  std::vector<NumaNode> nodes;
  std::error_code error;
  fs::directory_iterator it(directory, error);
  if (error) return single_node(sysfs_root, directory.string() + ": " + error.message());
  for (; it != fs::directory_iterator(); it.increment(error)) {
    if (error) return single_node(sysfs_root, directory.string() + ": " + error.message());
    const auto id = node_id_of(it->path().filename().string());
    if (!id) continue;
    const fs::path file = it->path() / "cpulist";
    const auto text = read_small_file(file);
    if (!text) return single_node(sysfs_root, file.string() + ": cannot be read");
    auto cpus = parse_cpulist(*text);
    if (!cpus) return single_node(sysfs_root, file.string() + ": malformed cpulist " + printable_quoted(*text));
    nodes.push_back(NumaNode{*id, std::move(*cpus)});
  }
  if (error) return single_node(sysfs_root, directory.string() + ": " + error.message());
  if (nodes.empty()) return single_node(sysfs_root, directory.string() + ": no node directories");
  try {
    return from_nodes(std::move(nodes));
  } catch (const std::invalid_argument& e) {
    return single_node(sysfs_root, directory.string() + ": " + e.what());
  }
}

std::vector<int> NumaTopology::all_cpus() const {
  std::vector<int> cpus;
  for (const NumaNode& node : nodes_) cpus.insert(cpus.end(), node.cpus.begin(), node.cpus.end());
  std::sort(cpus.begin(), cpus.end());
  return cpus;
}

}  // namespace simingest::pipeline
