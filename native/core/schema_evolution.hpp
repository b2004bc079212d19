// Schema evolution (issue 16): which change of a stream's schema a dataset
// accepts when it is reopened, and the one table readers see over every
// version (docs/ON_DISK.md "Schema evolution").
//
// Pure functions over canonical stream schema texts (core/config.hpp
// stream_schema_json), so the storage layer applies them to what the
// manifest holds and the query layer to what it reads, and the unit tests
// prove every rule without a dataset. Nothing here runs per frame.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.hpp"

namespace simingest {

// `schemaEvolution` (config): strict refuses any change of a stream's schema
// (the behaviour before issue 16); additive accepts added and removed
// columns and widened types.
enum class SchemaEvolution { strict, additive };

// True when every value of `from` is exactly a value of `to` and the rules
// allow the step: int8→int16→int32→int64, uint8→uint16→uint32→uint64,
// float32→float64, and int8/16/32, uint8/16/32 → float64 (exact: at most 32
// bits fit a double's 53). Equal dtypes widen trivially.
bool dtype_widens(Dtype from, Dtype to) noexcept;

// Checks that `next` may follow the schema versions `history` (canonical
// texts, oldest first, the last one current) under additive evolution.
// Throws Error(schema_conflict) whose message names the stream, the column,
// the old and the new type (or grid, partition, unit) and the rule broken,
// e.g. `stream "fields": column "p": float64 → float32 breaks the rule "a
// column's type may only widen (…)"`. A column removed in an earlier version
// and declared again is checked against the widest type it ever had.
void check_schema_evolution(const std::string& stream, const std::vector<std::string>& history,
                            const std::string& next);

// One column of the table readers see over all versions: every column any
// version declared, in the order first declared, with its widest dtype.
struct UnifiedColumn {
  std::string name;
  Dtype dtype = Dtype::float64;
  // Declared by every version: a reader never sees a null in it.
  bool in_every_version = true;
};

// The unified columns of `history` (canonical schema texts, oldest first).
// Assumes the history passed check_schema_evolution version by version.
std::vector<UnifiedColumn> unified_columns(const std::vector<std::string>& history);

}  // namespace simingest
