// What recovery can keep of an in-progress file that was never committed: the
// row groups of the longest prefix of journal records that verify — intact
// record, header naming this file, and the file's bytes up to the record's
// end_offset matching its CRC-32C (docs/RELIABILITY.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/journal.hpp"
#include "storage/manifest.hpp"

namespace simingest::storage {

struct SalvagePlan {
  JournalHeader header;
  std::vector<JournalRecord> records;  // verified, in file order; empty: nothing to keep
  uint64_t keep_bytes = 0;             // the file is cut here (the last record's end_offset)
  uint32_t keep_crc32c = 0;            // CRC-32C of those bytes
  uint64_t file_bytes = 0;             // the file's size as found
};

// Reads the journal (if any) and the in-progress file. `relative_path` is the
// committed name the file would get; a journal naming another file is not
// trusted. Bad or missing content gives an empty plan; only a failing read
// throws Error(io).
SalvagePlan plan_salvage(const std::string& inprogress_path, const std::string& journal_path,
                         const std::string& relative_path);

// The manifest entry of the kept row groups (rows, frames, steps, times,
// column sizes). commit_file fills in the rest.
ManifestFile salvaged_entry(const SalvagePlan& plan);

// A file already under its committed name that no manifest lists: a crash
// came between its rename and the manifest that lists it (ADR 7). Its
// manifest entry (all but committed_at), if its journal proves every row
// group — the last verified record ends where the footer begins — and the
// footer frames correctly; nullopt if not (no journal, or a journal that
// lost its tail), and the file must then be removed. `relative_path` is the
// file's path relative to the dataset. Throws Error(io) only if reading fails.
std::optional<ManifestFile> plan_adoption(const std::string& final_path, const std::string& journal_path,
                                          const std::string& relative_path);

}  // namespace simingest::storage
