// The `_common_metadata` summary file of a stream that evolved
// (<dataset>/<stream>/_common_metadata, docs/ON_DISK.md "Schema evolution"):
// a footer-only Parquet file whose schema is the stream's unified table —
// `step`, `time`, then every column any version declared, in the order first
// declared, with its widest dtype; OPTIONAL where some version lacks it. Arrow
// readers take a dataset's schema from it (`pq.read_schema`), so they read
// every version's files as one table. Derived from the manifest's history
// alone: rewritten whenever a stream evolves, never read by simingest.
#pragma once

#include <string>
#include <vector>

#include "storage/durable_io.hpp"
#include "storage/schema_history.hpp"

namespace simingest::storage {

inline constexpr const char* kSchemaSummaryName = "_common_metadata";

// The summary file's bytes for `stream` with versions `history` (oldest first).
std::string schema_summary_bytes(const std::string& stream, const std::vector<SchemaVersion>& history);

// Replaces <root>/<stream>/_common_metadata atomically (durable_io
// replace_file), creating the stream's directory if needed.
void write_schema_summary(const std::string& root, const std::string& stream, const std::vector<SchemaVersion>& history,
                          IoTimings& timings);

}  // namespace simingest::storage
