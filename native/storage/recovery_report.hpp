// What opening a dataset found and did about it: salvaged in-progress files,
// removed leftovers, manifest entries whose file is gone, quarantined corrupt
// files and frames retired by resumeFromStep. The engine publishes it as the
// "recovery" object of stats (docs/STATS.md, docs/RELIABILITY.md), so every
// host sees the same report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace simingest::storage {

// An in-progress file whose journal recorded complete row groups: it was cut
// after the last verified row group, given a footer and committed.
struct SalvagedFile {
  std::string path;  // committed path, relative to the dataset
  int64_t row_groups = 0, frames = 0, rows = 0;
  uint64_t bytes_discarded = 0;  // bytes after the last verified row group
};

// An in-progress file with nothing recoverable, deleted.
struct RemovedLeftover {
  std::string path;  // relative to the dataset
  uint64_t bytes = 0;
};

// A manifest entry whose file is missing: the entry was dropped.
struct MissingFile {
  std::string path;
  int64_t frames = 0;
};

// A file that failed verification, moved under _simingest/quarantine/.
struct QuarantinedFile {
  std::string path;         // where it was, relative to the dataset
  std::string moved_to;     // where it is now, relative to the dataset
  std::string reason;       // "footer CRC-32C mismatch", "truncated: 123 of 456 bytes", ...
  int64_t frames_lost = 0;  // frames the manifest listed for it (0 for the manifest itself)
};

// A file with frames after resumeFromStep, moved under _simingest/retired/.
// If it also held frames up to that step, those were rewritten to `kept_as`.
struct RetiredFile {
  std::string path;     // where it was, relative to the dataset
  std::string moved_to; // where it is now, relative to the dataset
  std::string stream;
  int64_t frames_retired = 0;
  int64_t step_min = 0, step_max = 0;  // steps of the retired frames
  std::string kept_as;                 // empty if no frame was kept
  int64_t frames_kept = 0;
};

// A name in the dataset that looks like simingest's but does not fit its
// naming grammar (or is not UTF-8): left untouched (storage/layout.hpp).
struct IgnoredEntry {
  std::string path;    // relative to the dataset, escaped (escape_name)
  std::string reason;
};

struct RecoveryReport {
  std::vector<SalvagedFile> salvaged;
  std::vector<RemovedLeftover> removed;
  std::vector<MissingFile> missing;
  std::vector<QuarantinedFile> quarantined;
  std::vector<RetiredFile> retired;
  std::vector<IgnoredEntry> ignored;  // not part of clean(): recovery did nothing to them
  std::optional<int64_t> resumed_from_step;

  bool clean() const noexcept {
    return salvaged.empty() && removed.empty() && missing.empty() && quarantined.empty() && retired.empty();
  }
  // Compact JSON, keys in camelCase as docs/STATS.md lists them.
  std::string to_json() const;
};

}  // namespace simingest::storage
