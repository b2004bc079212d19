// Where the realtime log lives and what opening a dataset does to it
// (docs/ON_DISK.md "The realtime log").
//
//   <dataset>/_realtime/<stream>/log-<20-digit segment>.avro
//
// The leading underscore keeps the directory out of pyarrow's, DuckDB's and
// polars' hive discovery of <dataset>/<stream>/. Every open of an ingestor
// starts a new segment (one more than the largest present, and above the
// manifest's compaction mark), so a file once
// closed or torn is never appended to again.
//
// Recovery, per segment of a routed stream: a file whose last block (or
// header) was cut short by a crash is truncated after its last good block
// (removed if not even its header is whole: nothing in it was acknowledged);
// a damaged file (storage/avro_log_scan.hpp) is moved to
// _simingest/quarantine/_realtime/<stream>/ like a damaged Parquet file, and
// the open then fails once with Error(corrupt) naming it. Segments that the
// manifest's compaction mark (storage/manifest.hpp LogMark) says are wholly
// in Parquet are deleted: a crash after the compaction's commit left them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "storage/manifest.hpp"
#include "storage/recovery_report.hpp"

namespace simingest::storage {

inline constexpr const char* kRealtimeDirectory = "_realtime";

// "_realtime/<stream>", relative to the dataset.
std::string realtime_stream_directory(const std::string& stream);
// "log-00000000000000000007.avro"
std::string realtime_log_name(uint64_t segment);
// The segment numbers of the log files of `stream` present now, ascending.
std::vector<uint64_t> realtime_log_segments(const std::string& root, const std::string& stream);

// The segment number of a name realtime_log_name() makes, or -1.
int64_t realtime_log_segment(const std::string& name);

struct TruncatedLog {
  std::string path;  // relative to the dataset
  uint64_t kept_bytes = 0;
  uint64_t cut_bytes = 0;
  std::string reason;
};

struct RealtimeLogRecovery {
  std::vector<TruncatedLog> truncated;
  std::vector<QuarantinedFile> quarantined;
  std::vector<std::string> retired;  // compacted segments deleted now (relative paths)
  uint64_t next_segment = 0;  // the segment number the new writer takes
};

// Recovers the log of `stream` in the dataset at `root` as described above,
// creating its directory if missing. Throws Error(io) if the disk refuses.
// `compacted`: the stream's compaction mark in the manifest; the new segment
// is never numbered below it.
RealtimeLogRecovery recover_realtime_log(const std::string& root, const StreamConfig& stream,
                                         const LogMark& compacted = {});

}  // namespace simingest::storage
