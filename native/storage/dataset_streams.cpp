// The streams a dataset knows, with the schema each was first written with
// (manifest "streams"). Registering the streams of a configuration costs one
// lookup per stream and at most one manifest write, so 10,000 streams open in
// about the time of one commit.
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/config_limits.hpp"
#include "core/status.hpp"
#include "storage/dataset.hpp"
#include "storage/manifest.hpp"

namespace simingest::storage {

void Dataset::register_stream(const std::string& stream, const std::string& schema_json) {
  register_streams({{stream, schema_json}});
}

void Dataset::register_streams(const std::vector<std::pair<std::string, std::string>>& streams) {
  std::unordered_map<std::string_view, std::string_view> known;  // name -> canonical schema
  known.reserve(streams_.size() + streams.size());
  for (const auto& [name, schema] : streams_) known.emplace(name, schema);

  std::vector<std::pair<std::string, std::string>> added;
  added.reserve(streams.size());
  for (const auto& [stream, schema_json] : streams) {
    std::string schema = canonical_schema_text(schema_json);
    if (const auto it = known.find(stream); it != known.end()) {
      if (it->second == schema) continue;
      throw Error(Status::schema_conflict, "stream \"" + stream +
                                               "\": schema differs from the dataset's: dataset has " +
                                               std::string(it->second) + ", configuration has " + schema);
    }
    added.emplace_back(stream, std::move(schema));
    // `added` never reallocates (reserved), so its strings stay where `known` sees them.
    known.emplace(added.back().first, added.back().second);
  }
  if (added.empty()) return;
  if (streams_.size() + added.size() > kMaxStreams)
    throw Error(Status::config, "streams: the dataset has " + std::to_string(streams_.size()) +
                                    " streams and the configuration adds " + std::to_string(added.size()) +
                                    " but at most " + std::to_string(kMaxStreams) +
                                    " streams are allowed per dataset");

  const std::size_t before = streams_.size();
  for (auto& entry : added) streams_.push_back(std::move(entry));
  try {
    IoTimings ignored;
    write_manifest(ignored);
  } catch (...) {
    streams_.resize(before);
    throw;
  }
}

}  // namespace simingest::storage
