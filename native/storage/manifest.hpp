// The manifest: the list of committed files of a dataset and the schemas of
// its streams, as the JSON document docs/ON_DISK.md specifies. The Node CLI's
// `inspect` reads the same document, so key names and nesting must stay as
// documented there.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace simingest::storage {

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
};

struct Manifest {
  uint64_t next_file_seq = 1;
  // Stream name and its canonical schema text, in registration order.
  std::vector<std::pair<std::string, std::string>> streams;
  std::vector<ManifestFile> files;
};

inline constexpr const char* kManifestFormat = "simingest-manifest";
inline constexpr int kManifestVersion = 1;

// The manifest as JSON text (indented, for people reading it). Schemas are
// embedded as JSON objects, not strings.
std::string serialize_manifest(const Manifest& manifest);

// Parses and validates a manifest. Anything unexpected throws
// Error(Status::io, "<source>: corrupt manifest: <what>"), where <what> names
// the key path ("files[2].rows: expected an integer"). A file path must be
// `<stream>/part=<partition>/part-….parquet` with the entry's own stream and
// partition, so recovery can never touch anything outside the dataset.
Manifest parse_manifest(const std::string& text, const std::string& source);

// The canonical text of a stream schema: compact JSON with keys in their
// original order, so a schema read back from the manifest compares equal,
// byte for byte, to the text it was registered with. Throws
// Error(Status::invalid_argument) if `schema_json` is not a JSON object.
std::string canonical_schema_text(const std::string& schema_json);

}  // namespace simingest::storage
