// The manifest: the list of committed files of a dataset and the schemas of
// its streams, as the JSON document docs/ON_DISK.md specifies. The Node CLI's
// `inspect` reads the same document, so key names and nesting must stay as
// documented there.
//
// Version 2 manifests check themselves: the document ends with
// `"manifestCrc32c": "<8 hex digits>"`, the CRC-32C of every byte before the
// comma that precedes that key, and file entries carry the checksums of
// their file (FileChecksums). Version 1 manifests (older builds) have
// neither and are still read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/recovery_report.hpp"  // QuarantinedFile
#include "storage/row_group_index.hpp"
#include "storage/schema_history.hpp"

namespace simingest::storage {

// What the manifest records to verify a committed file (docs/ON_DISK.md).
// The footer is the file's last footer_bytes bytes: the Thrift FileMetaData,
// its 4-byte length and the trailing "PAR1".
struct FileChecksums {
  uint32_t crc32c = 0;         // CRC-32C of the whole file
  uint64_t footer_bytes = 0;   // FileMetaData length + 8
  uint32_t footer_crc32c = 0;  // CRC-32C of the last footer_bytes bytes
  bool operator==(const FileChecksums& o) const noexcept {
    return crc32c == o.crc32c && footer_bytes == o.footer_bytes && footer_crc32c == o.footer_crc32c;
  }
};

struct ColumnBytes {
  std::string name;
  int64_t uncompressed_bytes = 0;  // page headers + uncompressed page bodies, all row groups
  int64_t compressed_bytes = 0;    // bytes on disk
};

// One committed file as the manifest lists it.
struct ManifestFile {
  std::string stream;
  int64_t partition = 0;
  std::string path;  // relative to the dataset root, '/'-separated
  int64_t rows = 0;
  int64_t frames = 0;
  int64_t row_groups = 0;
  uint64_t bytes = 0;  // file size
  int64_t step_min = 0, step_max = 0;
  double time_min = 0, time_max = 0;
  std::vector<ColumnBytes> columns;  // step, time, then the stream's columns
  std::string committed_at;          // UTC, ISO 8601, set by commit_file
  // Absent for entries written by an older version (verified as far as the
  // file itself allows: size, magic, footer bounds).
  std::optional<FileChecksums> checksums;
  // The time index (storage/row_group_index.hpp), one entry per row group.
  // Empty for entries without one: written by an older build, or of a file
  // recovery salvaged or adopted from its journal (which does not hold it);
  // a reader then falls back to the file's footer.
  std::vector<RowGroupIndex> row_group_index;
  // The version of its stream's schema the file was written with
  // (storage/schema_history.hpp); 1 for entries without one.
  int64_t schema_version = 1;
};

// How far a "realtime" stream's log is compacted into Parquet (docs/ON_DISK.md
// "Compaction of the realtime log"): every record of the log segments numbered
// below `segment`, and the first `records` records of segment `segment`, are in
// committed files. Advanced by the same manifest write that lists the file
// holding those records, so a record is in the log or in Parquet, never both.
struct LogMark {
  uint64_t segment = 0;
  uint64_t records = 0;
  bool operator==(const LogMark& o) const noexcept { return segment == o.segment && records == o.records; }
};

struct Manifest {
  uint64_t next_file_seq = 1;
  // Stream name and its canonical schema text, in registration order.
  std::vector<std::pair<std::string, std::string>> streams;
  // The schema versions of the streams that evolved (schemaEvolution); the
  // last one's schema is the stream's entry in `streams`.
  SchemaHistories schema_histories;
  std::vector<ManifestFile> files;
  // Every file (or manifest copy) ever moved aside as corrupt, oldest first:
  // kept so that later opens and `simingest inspect` still show it.
  std::vector<QuarantinedFile> quarantined;
  // Per stream whose log was ever compacted ("realtimeCompacted"; absent:
  // nothing compacted, as in manifests of older builds).
  std::map<std::string, LogMark> realtime_compacted;
  // The format version the document was read as (parse_manifest); 0 for a
  // manifest built in memory. serialize_manifest always writes kManifestVersion.
  int64_t version = 0;
};

inline constexpr const char* kManifestFormat = "simingest-manifest";
inline constexpr int kManifestVersion = 2;        // the version this build writes (3 with schema history)
inline constexpr int kOldestManifestVersion = 1;  // the oldest it reads

// A CRC-32C as the manifest writes it: 8 lowercase hex digits.
std::string checksum_text(uint32_t crc);

// The manifest as JSON text (indented, for people reading it), ending with
// its own CRC-32C. Schemas are embedded as JSON objects, not strings.
std::string serialize_manifest(const Manifest& manifest);

// Parses and validates a manifest, checking its CRC-32C (version 2). Anything
// unexpected throws Error(Status::corrupt, "<source>: corrupt manifest:
// <what>"), where <what> names the key path ("files[2].rows: expected an
// integer") or the check that failed. A file path must be
// `<stream>/part=<partition>/part-….parquet` with the entry's own stream and
// partition, so recovery can never touch anything outside the dataset.
Manifest parse_manifest(const std::string& text, const std::string& source);

// The canonical text of a stream schema: compact JSON with keys in their
// original order, so a schema read back from the manifest compares equal,
// byte for byte, to the text it was registered with. Throws
// Error(Status::invalid_argument) if `schema_json` is not a JSON object.
std::string canonical_schema_text(const std::string& schema_json);

}  // namespace simingest::storage
