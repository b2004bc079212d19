// The manifest on disk: two copies in <dataset>/_simingest/, each a complete
// version 2 manifest that checks itself with its own CRC-32C (manifest.hpp):
//
//   manifest.bak.json   replaced first
//   manifest.json       replaced second: its rename is the commit point
//
// Each copy is replaced atomically (durable_io's replace_file), so a crash
// never tears one; a copy that fails its check was damaged after it was
// written, and the other copy is then used. Because the backup is written
// first it is never older than the primary: a dataset read from the backup
// has lost nothing the primary listed (at most it lists one more file whose
// commit was under way, which recovery then finishes or drops).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/durable_io.hpp"
#include "storage/manifest.hpp"
#include "storage/recovery_report.hpp"

namespace simingest::storage {

inline constexpr const char* kManifestName = "manifest.json";
inline constexpr const char* kManifestBackupName = "manifest.bak.json";
// A copy larger than this is damaged (about a million files' entries).
inline constexpr uint64_t kMaxManifestBytes = uint64_t{1} << 30;

// A copy that exists but failed to parse or to check.
struct BadManifestCopy {
  std::string relative_path;  // "_simingest/manifest.json", relative to the dataset
  std::string reason;         // the corrupt-manifest message, without the path
};

struct LoadedManifest {
  std::optional<Manifest> manifest;  // none: no copy exists (a new dataset)
  std::vector<BadManifestCopy> bad;  // damaged copies, to be quarantined
  // A copy is missing, damaged or differs from the one used: write both again.
  bool rewrite = false;
  // `manifest` is the backup because the primary is missing or in `bad`.
  bool from_backup = false;
};

// What load_manifest_copies reads of one copy, before parsing it.
struct ManifestCopyText {
  std::optional<std::string> text;  // none: the copy does not exist
  std::string damage;               // set: it exists but cannot be a manifest (why, naming it)
  bool operator==(const ManifestCopyText& other) const { return text == other.text && damage == other.damage; }
  bool operator!=(const ManifestCopyText& other) const { return !(*this == other); }
};

struct ManifestTexts {
  ManifestCopyText primary, backup;
  bool operator==(const ManifestTexts& other) const { return primary == other.primary && backup == other.backup; }
};

// The first half of load_manifest_copies: both copies read, as it reads them,
// nothing parsed. The same texts always load the same manifest, so a reader
// that keeps what it loaded (query/dataset_reader.cpp) compares these and
// parses only texts it has not seen. Throws Error(io) if a copy cannot be read.
ManifestTexts read_manifest_texts(const std::string& root);

// The second half: picks a manifest from texts read_manifest_texts returned.
LoadedManifest load_manifest_copies(const std::string& root, const ManifestTexts& texts);

// Reads both copies of the dataset at `root` and picks one: the primary if it
// is good, else the backup. A copy that is a symbolic link, not a regular file
// or larger than kMaxManifestBytes is damaged like one that fails its CRC;
// reading never follows a link and never blocks. Throws Error(corrupt) naming both copies and
// changes nothing if copies exist but none is good; Error(io) if one cannot
// be read. Only reads: takes no lock, so it also serves readers (inspect).
LoadedManifest load_manifest_copies(const std::string& root);

// Writes `manifest` as both copies (backup first), adding the time spent to
// `timings`.
void store_manifest_copies(const std::string& root, const Manifest& manifest, IoTimings& timings);

// Deletes the temporary files an interrupted store_manifest_copies leaves and
// returns them, as the recovery report lists them.
std::vector<RemovedLeftover> remove_manifest_temporaries(const std::string& root);

}  // namespace simingest::storage
