#include "storage/realtime_log_files.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cstdio>

#include "core/status.hpp"
#include "storage/avro_container.hpp"
#include "storage/avro_log_scan.hpp"
#include "storage/durable_io.hpp"
#include "storage/layout.hpp"
#include "storage/verify.hpp"

namespace simingest::storage {

namespace {
constexpr std::size_t kSegmentDigits = 20;
}  // namespace

int64_t realtime_log_segment(const std::string& name) {
  const std::string prefix = "log-", suffix = ".avro";
  if (name.size() != prefix.size() + kSegmentDigits + suffix.size()) return -1;
  if (name.compare(0, prefix.size(), prefix) != 0 || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return -1;
  int64_t segment = 0;
  for (std::size_t i = prefix.size(); i < prefix.size() + kSegmentDigits; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    if (segment > (INT64_MAX - 9) / 10) return -1;
    segment = segment * 10 + (name[i] - '0');
  }
  return segment;
}

std::string realtime_stream_directory(const std::string& stream) {
  return std::string(kRealtimeDirectory) + "/" + stream;
}

std::string realtime_log_name(uint64_t segment) {
  char name[64];
  std::snprintf(name, sizeof name, "log-%020llu.avro", static_cast<unsigned long long>(segment));
  return name;
}

std::vector<uint64_t> realtime_log_segments(const std::string& root, const std::string& stream) {
  std::vector<uint64_t> segments;
  const std::string dir = root + "/" + realtime_stream_directory(stream);
  if (entry_kind(dir) != EntryKind::directory) return segments;
  for (const std::string& name : directory_names(dir)) {
    const int64_t segment = realtime_log_segment(name);
    if (segment >= 0 && entry_kind(dir + "/" + name) == EntryKind::regular) segments.push_back(static_cast<uint64_t>(segment));
  }
  std::sort(segments.begin(), segments.end());
  return segments;
}

RealtimeLogRecovery recover_realtime_log(const std::string& root, const StreamConfig& stream,
                                         const LogMark& compacted) {
  RealtimeLogRecovery recovery;
  // A mark inside segment s covers records of s: a new segment must not be s.
  recovery.next_segment = compacted.segment + (compacted.records > 0 ? 1 : 0);
  const std::string relative_dir = realtime_stream_directory(stream.name);
  const std::string dir = root + "/" + relative_dir;
  make_directories_inside(root, dir);
  const std::string schema = avro::log_schema_json(stream);
  const std::vector<avro::Primitive> columns = avro::log_column_types(stream);
  for (const std::string& name : directory_names(dir)) {
    const int64_t segment = realtime_log_segment(name);
    if (segment < 0) continue;  // not ours: left alone
    recovery.next_segment = std::max(recovery.next_segment, static_cast<uint64_t>(segment) + 1);
    const std::string path = dir + "/" + name;
    if (entry_kind(path) != EntryKind::regular) continue;
    if (static_cast<uint64_t>(segment) < compacted.segment) {  // every record of it is in Parquet
      remove_file(path);
      recovery.retired.push_back(relative_dir + "/" + name);
      continue;
    }
    const std::string bytes = read_file(path);
    const avro::LogScan scan =
        avro::scan_log(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), schema, columns);
    const std::string relative = relative_dir + "/" + name;
    switch (scan.outcome) {
      case avro::LogScan::Outcome::clean: break;
      case avro::LogScan::Outcome::torn:
        recovery.truncated.push_back({relative, scan.good_bytes, bytes.size() - scan.good_bytes, scan.reason});
        if (scan.good_bytes == 0) {
          remove_file(path);
        } else {
          FileDescriptor fd = open_file(path, O_WRONLY, 0, "open");
          truncate_file(fd.get(), scan.good_bytes, path);
          fsync_file(fd.get(), path);
        }
        break;
      case avro::LogScan::Outcome::damaged: {
        QuarantinedFile moved;
        moved.path = relative;
        moved.reason = "realtime log: " + scan.reason;
        moved.frames_lost = 0;  // unknown: records past the damage cannot be counted
        moved.moved_to = move_to_quarantine(root, relative);
        recovery.quarantined.push_back(std::move(moved));
        break;
      }
    }
  }
  if (!recovery.truncated.empty() || !recovery.retired.empty()) fsync_directory(dir);
  return recovery;
}

}  // namespace simingest::storage
