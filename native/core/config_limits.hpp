// The scale limits of a configuration (docs/RELIABILITY.md, "Limits"): how big
// and how deep the document may be, how many streams and columns it may
// declare. Each is checked before the work it bounds is done, and each breach
// is an Error(Status::config) whose message names the limit and the value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace simingest {

// 16 MiB: room for a stream of the most columns (10,000 with 64-character
// names and every column option, about 1.4 MB) or thousands of ordinary
// streams, while the parsed tree of the largest document stays a
// few hundred MB at worst.
inline constexpr std::size_t kMaxConfigBytes = std::size_t{16} << 20;
// A valid configuration nests 5 levels deep (streams.<s>.columns.<c>.dtype).
inline constexpr std::size_t kMaxConfigDepth = 64;
// Per dataset: every stream is a directory, a manifest entry and a sequencer.
inline constexpr std::size_t kMaxStreams = 10000;
// Per stream: every column is a column chunk in every row group's footer.
inline constexpr std::size_t kMaxColumnsPerStream = 10000;
// Annotations (issue 16): they go into the manifest and into every file's
// footer (`simingest.schema`), so each is bounded: a column's unit and
// description, and a stream's metadata object as compact JSON.
inline constexpr std::size_t kMaxUnitBytes = 256;
inline constexpr std::size_t kMaxDescriptionBytes = 4096;
inline constexpr std::size_t kMaxStreamMetadataBytes = std::size_t{64} << 10;
// The grid's product (exclusive), as for an array's length at ingest.
inline constexpr uint64_t kMaxGridCells = uint64_t{1} << 40;

// Throws Error(config) if `text` is longer than kMaxConfigBytes or nests
// objects/arrays deeper than kMaxConfigDepth. One pass over the bytes with
// O(1) memory, before any JSON tree is built; malformed JSON is left to the
// parser.
void check_config_document_limits(std::string_view text);

// Throws Error(config) "<path>: <count> <what>; at most <limit> ..." if count > limit.
void check_config_count(const std::string& path, std::size_t count, std::size_t limit, const char* what);

}  // namespace simingest
