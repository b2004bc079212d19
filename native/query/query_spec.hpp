// What a query selects from one stream (the C++ side of simingest_query_spec),
// and its check against the stream's schema. The C ABI converts its struct
// into a QuerySpec once; the engine and the read-only dataset both validate it
// here, so every host gets the same status and message for the same mistake.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/dtype.hpp"

namespace simingest::query {

struct StepRange {
  int64_t from = 0, to = 0;  // inclusive
};
struct TimeRange {
  double from = 0, to = 0;  // inclusive, finite
};

struct QuerySpec {
  // Names of the columns wanted, in the order wanted; nullopt: every declared
  // column in declared order. An empty list returns only step and time.
  std::optional<std::vector<std::string>> columns;
  std::optional<StepRange> steps;
  std::optional<TimeRange> time;
  int64_t every = 1;  // >= 1; anchored at steps->from, else at step 0
  bool batch_per_frame = false;
  // A decomposed grid's whole field per step (query/field_assembly.hpp); the
  // resolved columns then end with `cell`, which the result leaves out.
  bool assemble = false;
  uint64_t memory_limit = 0;  // bytes of batches alive at once; 0: the caller's default
};

// One output column after step and time: its declared position and dtype.
struct OutputColumn {
  std::string name;
  Dtype dtype = Dtype::float64;
  std::size_t declared_index = 0;
  // Some schema version of the stream lacks it: its rows from those files are null.
  bool nullable = false;
};

// A column of a file as its schema version declared it (schema evolution).
struct FileColumn {
  std::string name;
  Dtype dtype = Dtype::float64;
};

// A spec checked against a stream: the columns resolved, the selection ready
// to apply to each frame.
struct ResolvedQuery {
  std::string stream;
  QuerySpec spec;
  std::vector<OutputColumn> columns;

  // Whether a frame of this step and time is in the result.
  bool selects(int64_t step, double time) const noexcept;
  // Whether any step in [step_min, step_max] can be selected (pruning whole
  // files and row groups before anything is decoded).
  bool may_select_steps(int64_t step_min, int64_t step_max) const noexcept;
  bool may_select_time(double time_min, double time_max) const noexcept;
};

// Checks the ranges and `every` of `spec` alone. Throws
// Error(invalid_argument) naming the problem, prefixed with `prefix`
// ("stream \"fields\": query: ").
void check_query_ranges(const QuerySpec& spec, const std::string& prefix);

// Checks `spec` (ranges, every, columns) against `stream` and resolves it.
// Throws Error(invalid_argument) for a bad range or every, and
// Error(unknown_column) for a column the stream does not declare or one named
// twice: `stream "fields": query: unknown column "vz"`.
ResolvedQuery resolve_query(const StreamConfig& stream, const QuerySpec& spec);

}  // namespace simingest::query
