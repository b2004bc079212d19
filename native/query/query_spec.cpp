#include "query/query_spec.hpp"

#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "core/names.hpp"
#include "core/status.hpp"

namespace simingest::query {

namespace {

std::string text(double value) {
  if (std::isnan(value)) return "NaN";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

}  // namespace

bool ResolvedQuery::selects(int64_t step, double time) const noexcept {
  if (spec.steps && (step < spec.steps->from || step > spec.steps->to)) return false;
  if (spec.time && !(time >= spec.time->from && time <= spec.time->to)) return false;
  if (spec.every > 1) {
    // Unsigned difference: step - anchor cannot overflow when step >= anchor
    // (always so with a step range), and wraps consistently otherwise.
    const int64_t anchor = spec.steps ? spec.steps->from : 0;
    if (step >= anchor) {
      const uint64_t distance = static_cast<uint64_t>(step) - static_cast<uint64_t>(anchor);
      return distance % static_cast<uint64_t>(spec.every) == 0;
    }
    const uint64_t distance = static_cast<uint64_t>(anchor) - static_cast<uint64_t>(step);
    return distance % static_cast<uint64_t>(spec.every) == 0;
  }
  return true;
}

bool ResolvedQuery::may_select_steps(int64_t step_min, int64_t step_max) const noexcept {
  if (!spec.steps) return true;
  return step_max >= spec.steps->from && step_min <= spec.steps->to;
}

bool ResolvedQuery::may_select_time(double time_min, double time_max) const noexcept {
  if (!spec.time) return true;
  // NaN bounds (statistics missing or odd) never prune.
  return !(time_max < spec.time->from) && !(time_min > spec.time->to);
}

void check_query_ranges(const QuerySpec& spec, const std::string& prefix) {
  if (spec.steps && spec.steps->from > spec.steps->to)
    throw Error(Status::invalid_argument, prefix + "inverted step range [" + std::to_string(spec.steps->from) +
                                              ", " + std::to_string(spec.steps->to) + "]: from must be <= to");
  if (spec.time) {
    const TimeRange& t = *spec.time;
    if (!std::isfinite(t.from) || !std::isfinite(t.to))
      throw Error(Status::invalid_argument, prefix + "time range [" + text(t.from) + ", " + text(t.to) +
                                                "]: both bounds must be finite numbers");
    if (t.from > t.to)
      throw Error(Status::invalid_argument, prefix + "inverted time range [" + text(t.from) + ", " + text(t.to) +
                                                "]: from must be <= to");
  }
  if (spec.every < 1)
    throw Error(Status::invalid_argument,
                prefix + "every must be >= 1 but is " + std::to_string(spec.every));
}

ResolvedQuery resolve_query(const StreamConfig& stream, const QuerySpec& spec) {
  const std::string prefix = "stream " + quote_name(stream.name) + ": query: ";
  check_query_ranges(spec, prefix);
  ResolvedQuery resolved;
  resolved.stream = stream.name;
  resolved.spec = spec;
  if (spec.assemble && !stream.decomposed)
    throw Error(Status::invalid_argument,
                prefix + "assemble needs a grid stream written in blocks (config \"block\")");
  // Assembly places each row by its cell, which the result then leaves out.
  const auto add_cell = [&] {
    if (spec.assemble) resolved.columns.push_back({kCellColumn, Dtype::int64, stream.columns.size()});
  };
  if (!spec.columns) {
    for (std::size_t i = 0; i < stream.columns.size(); ++i)
      resolved.columns.push_back({stream.columns[i].name, stream.columns[i].dtype, i});
    add_cell();
    return resolved;
  }
  std::unordered_set<std::string> seen;
  for (const std::string& name : *spec.columns) {
    if (spec.assemble && name == kCellColumn)
      throw Error(Status::unknown_column,
                  prefix + "column \"cell\" places the rows of an assembled field: leave it out");
    if (is_reserved_column_name(name))
      throw Error(Status::unknown_column, prefix + "column " + quote_name(name) +
                                              " is always returned first: leave it out of the columns");
    std::size_t i = 0;
    while (i < stream.columns.size() && stream.columns[i].name != name) ++i;
    // A decomposed grid's files store `cell` after the declared columns
    // (core/grid_block.hpp); asked for by name only.
    const bool cell = i == stream.columns.size() && stream.decomposed && name == kCellColumn;
    if (i == stream.columns.size() && !cell) throw Error(Status::unknown_column, prefix + "unknown column " + quote_name(name));
    if (!seen.insert(name).second)
      throw Error(Status::unknown_column, prefix + "column " + quote_name(name) + " is named twice");
    resolved.columns.push_back({name, cell ? Dtype::int64 : stream.columns[i].dtype, i});
  }
  add_cell();
  return resolved;
}

}  // namespace simingest::query
