// Compaction of a "realtime" stream's Avro log into Parquet (issue 13 item 4;
// docs/ARCHITECTURE.md "Compaction", docs/adr/0018-compaction-at-open-and-close.md).
//
// The closed log segments of a stream (every one numbered below the segment
// this session writes, or all of them once it is closed) are read record by
// record, from the manifest's compaction mark on (storage/manifest.hpp
// LogMark), and written as Parquet files exactly like the batch path's: the
// same column chunk encoder, file writer, row groups of consecutive frames of
// one partition up to rowGroupBytes, a file per partition run closed at
// fileBytes, the same footer metadata and time index. Each file is committed
// by Dataset::commit_compacted_file: the manifest write that lists it moves
// the mark past its last record — the one atomic step that moves the frames
// from the log to Parquet. Only then are the segments wholly behind the mark
// deleted (a crash before leaves them; the next open deletes them).
//
// A crash at any point therefore leaves each frame in exactly one place: an
// uncommitted file has no journal, so recovery deletes it (in progress or
// renamed but unlisted) and the log still holds its frames; a committed one
// moved the mark with it, so the log's copy is never read again.
//
// Not thread-safe: runs while no commit thread and no log writer touches the
// dataset or the segments (Engine::open before they start, Engine::close
// after they stopped).
#pragma once

#include <cstdint>

#include "core/config.hpp"
#include "pipeline/realtime_log.hpp"
#include "pipeline/stream_state.hpp"
#include "storage/dataset.hpp"

namespace simingest::pipeline {

// Compacts the segments of `stream` numbered below `below` and counts what it
// did in `counters` (last_error included). Throws Error (io, no_space,
// corrupt for a segment that no longer decodes, dataset_lost), after which
// every frame is still exactly once in the log or in committed files.
void compact_realtime_log(storage::Dataset& dataset, StreamState& stream, const Config& config, uint64_t below,
                          CompactionCounters& counters);

}  // namespace simingest::pipeline
