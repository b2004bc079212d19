// The streams a dataset knows, with the schema each was first written with
// (manifest "streams") and, for streams that evolved, every version since
// (storage/schema_history.hpp). Registering the streams of a configuration
// costs one lookup per stream and at most one manifest write, so 10,000
// streams open in about the time of one commit.
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/config_limits.hpp"
#include "core/schema_evolution.hpp"
#include "core/status.hpp"
#include "storage/dataset.hpp"
#include "storage/manifest.hpp"
#include "storage/schema_summary.hpp"

namespace simingest::storage {

void Dataset::register_stream(const std::string& stream, const std::string& schema_json, SchemaEvolution evolution) {
  register_streams({{stream, schema_json}}, evolution);
}

void Dataset::register_streams(const std::vector<std::pair<std::string, std::string>>& streams,
                               SchemaEvolution evolution) {
  std::unordered_map<std::string_view, std::size_t> known;  // name -> index in streams_
  known.reserve(streams_.size() + streams.size());
  for (std::size_t i = 0; i < streams_.size(); ++i) known.emplace(streams_[i].first, i);

  std::vector<std::pair<std::string, std::string>> added;
  std::vector<std::pair<std::size_t, std::string>> evolved;  // index in streams_, its next schema
  added.reserve(streams.size());
  for (const auto& [stream, schema_json] : streams) {
    std::string schema = canonical_schema_text(schema_json);
    if (const auto it = known.find(stream); it != known.end()) {
      if (it->second >= streams_.size()) {
        // Named twice in `streams`: the configuration parser refuses that first.
        continue;
      }
      const std::string& current = streams_[it->second].second;
      if (current == schema) continue;
      if (evolution == SchemaEvolution::strict)
        throw Error(Status::schema_conflict, "stream \"" + stream +
                                                 "\": schema differs from the dataset's: dataset has " + current +
                                                 ", configuration has " + schema);
      std::vector<std::string> history;
      if (auto h = schema_histories_.find(stream); h != schema_histories_.end())
        for (const SchemaVersion& v : h->second) history.push_back(v.schema);
      else
        history.push_back(current);
      check_schema_evolution(stream, history, schema);  // Error(schema_conflict) naming the rule
      evolved.emplace_back(it->second, std::move(schema));
      continue;
    }
    added.emplace_back(stream, std::move(schema));
    // `added` never reallocates (reserved), so its strings stay where `known` sees them.
    known.emplace(added.back().first, streams_.size() + added.size());
  }
  if (added.empty() && evolved.empty()) return;
  if (streams_.size() + added.size() > kMaxStreams)
    throw Error(Status::config, "streams: the dataset has " + std::to_string(streams_.size()) +
                                    " streams and the configuration adds " + std::to_string(added.size()) +
                                    " but at most " + std::to_string(kMaxStreams) +
                                    " streams are allowed per dataset");

  const std::size_t before = streams_.size();
  const SchemaHistories histories_before = schema_histories_;
  std::vector<std::string> schemas_before;
  const std::string now = utc_now_iso8601();
  for (auto& [index, schema] : evolved) {
    auto& [name, current] = streams_[index];
    std::vector<SchemaVersion>& history = schema_histories_[name];
    if (history.empty()) {
      // Version 1 is what every file so far was written with: it holds from
      // the first of them.
      SchemaVersion first;
      first.schema = current;
      for (const ManifestFile& file : files_) {
        if (file.stream != name) continue;
        if (!first.from_step || file.step_min < *first.from_step) {
          first.from_step = file.step_min;
          first.from_time = file.time_min;
        }
      }
      history.push_back(std::move(first));
    }
    SchemaVersion next;
    next.version = int64_t(history.size()) + 1;
    next.schema = schema;
    next.registered_at = now;
    history.push_back(std::move(next));
    schemas_before.push_back(current);
    current = std::move(schema);
  }
  for (auto& entry : added) streams_.push_back(std::move(entry));
  try {
    IoTimings ignored;
    write_manifest(ignored);
  } catch (...) {
    streams_.resize(before);
    for (std::size_t i = 0; i < evolved.size(); ++i) streams_[evolved[i].first].second = std::move(schemas_before[i]);
    schema_histories_ = histories_before;
    throw;
  }
  // After the manifest: the summary is derived from its history (a crash in
  // between leaves an older summary, rewritten by the next evolution).
  IoTimings ignored;
  for (const auto& [index, schema] : evolved) {
    const std::string& name = streams_[index].first;
    commit_step([&] { write_schema_summary(root_, name, schema_histories_.at(name), ignored); });
  }
}

}  // namespace simingest::storage
