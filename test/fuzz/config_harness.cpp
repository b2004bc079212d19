// Bytes → parse_config(). The parser either returns a configuration that
// keeps every promise config.hpp makes to the engine, or throws
// Error(Status::config) with a clean message. Anything else — another status,
// another exception, a crash, undefined behaviour — is a bug.
#include <cmath>
#include <exception>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "core/status.hpp"
#include "fuzz/harnesses.hpp"

namespace simingest::fuzz {

namespace {

// The naming rule, written out again here rather than taken from the engine:
// the harness checks the engine, it does not trust it.
bool follows_naming_rule(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string check_stream(const StreamConfig& stream) {
  const std::string where = "stream " + stream.name + ": ";
  if (!follows_naming_rule(stream.name)) return "accepted a stream name breaking the naming rule";
  if (stream.columns.empty()) return where + "accepted without columns";
  std::set<std::string> names;
  for (const ColumnConfig& column : stream.columns) {
    if (!follows_naming_rule(column.name)) return where + "accepted a column name breaking the naming rule";
    if (column.name == "step" || column.name == "time") return where + "accepted a reserved column name";
    if (!names.insert(column.name).second) return where + "accepted column " + column.name + " twice";
    if (dtype_name(column.dtype).empty()) return where + "column " + column.name + " has no dtype";
  }
  if (stream.grid.size() > 8) return where + "accepted a grid of rank " + std::to_string(stream.grid.size());
  double cells = 1;
  for (int64_t extent : stream.grid) {
    if (extent <= 0) return where + "accepted grid extent " + std::to_string(extent);
    cells *= static_cast<double>(extent);
  }
  if (cells >= 1099511627776.0) return where + "accepted a grid of 2^40 cells or more";
  const PartitionConfig& partition = stream.partition;
  if (partition.kind == PartitionConfig::Kind::steps && partition.steps <= 0)
    return where + "accepted partition steps " + std::to_string(partition.steps);
  if (partition.kind == PartitionConfig::Kind::time &&
      !(std::isfinite(partition.time_span) && partition.time_span > 0))
    return where + "accepted partition time span " + std::to_string(partition.time_span);

  // The schema text is compared byte for byte on reopen: it must be JSON that
  // lists exactly the stream's columns.
  const std::string schema = stream_schema_json(stream);
  const auto parsed = nlohmann::json::parse(schema, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("columns") ||
      !parsed["columns"].is_array() || parsed["columns"].size() != stream.columns.size())
    return where + "stream_schema_json gave " + schema;
  return "";
}

std::string check_config(const Config& config) {
  if (config.streams.empty()) return "accepted a configuration without streams";
  std::set<std::string> names;
  for (const StreamConfig& stream : config.streams) {
    if (!names.insert(stream.name).second) return "accepted stream " + stream.name + " twice";
    if (std::string problem = check_stream(stream); !problem.empty()) return problem;
    if (config.find_stream(stream.name) != &stream) return "find_stream does not find " + stream.name;
  }
  const int level = config.compression.level;
  if (config.compression.codec == Codec::zstd && (level < -7 || level > 19))
    return "accepted zstd level " + std::to_string(level);
  if (config.row_group_bytes < 4096) return "accepted rowGroupBytes " + std::to_string(config.row_group_bytes);
  if (config.page_bytes < 4096 || config.page_bytes > (uint64_t{64} << 20))
    return "accepted pageBytes " + std::to_string(config.page_bytes);
  if (config.file_bytes < (uint64_t{1} << 20)) return "accepted fileBytes " + std::to_string(config.file_bytes);
  if (config.memory_limit < (uint64_t{1} << 20))
    return "accepted memoryLimit " + std::to_string(config.memory_limit);
  if (config.workers > 256) return "accepted workers " + std::to_string(config.workers);
  const BackpressureConfig& backpressure = config.backpressure;
  if (backpressure.timeout_ms < -1 ||
      (backpressure.policy != BackpressurePolicy::block && backpressure.timeout_ms != -1))
    return "accepted backpressure timeout " + std::to_string(backpressure.timeout_ms);
  const AffinityConfig& affinity = config.affinity;
  if ((affinity.kind == AffinityConfig::Kind::cpus) == affinity.cpus.empty())
    return "accepted an affinity whose kind and CPU list disagree";
  for (int cpu : affinity.cpus)
    if (cpu < 0) return "accepted CPU id " + std::to_string(cpu);
  return "";
}

}  // namespace

std::string config_harness(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    return check_config(parse_config(text));
  } catch (const Error& e) {
    if (e.status() != Status::config)
      return std::string("threw status ") + status_string(e.status()) + " instead of config: " + e.what();
    if (std::string problem = check_message(e.what()); !problem.empty())
      return problem + ": " + e.what();
    return "";
  } catch (const std::exception& e) {
    return std::string("threw something other than Error: ") + e.what();
  } catch (...) {
    return "threw something other than an exception";
  }
}

}  // namespace simingest::fuzz
