// Checking committed files against their manifest entries when a dataset is
// opened, and moving the ones that fail aside (docs/RELIABILITY.md,
// docs/ON_DISK.md "Checksums and quarantine").
//
// A committed file passes when its size is the manifest's, it starts and
// ends with "PAR1", its footer length fits in the file and, where the entry
// has checksums, its footer has the recorded length and CRC-32C; with
// verify_full also the CRC-32C of the whole file. Every read is bounds-checked
// against the file's size, so no byte pattern can make the check crash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/manifest.hpp"
#include "storage/recovery_report.hpp"

namespace simingest::storage {

inline constexpr const char* kQuarantineDirectory = "_simingest/quarantine";

// Why the committed file `file` of the dataset at `root` fails the check
// above ("truncated: 123 of 456 bytes", "footer CRC-32C mismatch (file
// 1a2b3c4d, manifest 5e6f7a8b)", …), or an empty string if it passes.
// Throws Error(io) only when the file cannot be read.
std::string check_committed_file(const std::string& root, const ManifestFile& file, bool verify_full);

// The checksums the manifest records for the finished file at `path` of
// `size` bytes whose whole-file CRC-32C, accumulated while it was written, is
// `crc32c`: reads only the footer back. Throws Error(internal) if the file
// does not end in a Parquet footer (the writer's bug, never the disk's).
FileChecksums finished_file_checksums(const std::string& path, uint64_t size, uint32_t crc32c);

// The same for a file not written through PendingFile (reads all of it).
FileChecksums compute_file_checksums(const std::string& path);

// Moves the dataset file `relative_path` to
// _simingest/quarantine/<relative_path> (".1", ".2", … appended if taken),
// durably: rename, then fsync of both directories. Returns the new path,
// relative to `root`.
std::string move_to_quarantine(const std::string& root, const std::string& relative_path);

// Checks every entry of `files` (check_committed_file), moves each failing
// file to the quarantine and removes its entry. Returns what was moved.
std::vector<QuarantinedFile> quarantine_corrupt_files(const std::string& root, std::vector<ManifestFile>& files,
                                                      bool verify_full);

// The message of the Error(corrupt) that an open which quarantined
// `quarantined` fails with: each file, why, and where it is now.
std::string quarantine_message(const std::string& root, const std::vector<QuarantinedFile>& quarantined);

}  // namespace simingest::storage
