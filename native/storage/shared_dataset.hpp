// A shared dataset: `count` cooperating writers (MPI ranks, say) commit into
// one dataset without any process coordinating them
// (docs/adr/0020-shared-datasets.md, docs/ON_DISK.md "Shared datasets").
//
// Layout:
//   <dataset>/_simingest/shared.json      the descriptor: the writer count,
//                                         created once, never replaced
//   <dataset>/writer=<id>/                writer id's part: a complete
//                                         single-writer dataset (manifest,
//                                         lock, journals, quarantine, files)
//   <dataset>/writer=<id>/<stream>/part=<n>/part-<seq>-<8 hex>.parquet
//
// Each writer is the single writer of its own part, so every rule of a
// single-writer dataset (commit protocol, lock, recovery, salvage,
// quarantine, resume) holds per writer unchanged, and a writer's recovery
// never even lists another writer's directory. The descriptor is created with
// link() of a complete temporary file, which fails with EEXIST if it exists:
// the first writer to open creates it, every later one must agree on the
// count. A reader's snapshot is the union of the writers' manifests, each
// read once: every writer's part of it is a prefix of that writer's commits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/manifest.hpp"
#include "storage/manifest_store.hpp"

namespace simingest::storage {

inline constexpr const char* kSharedDescriptorName = "shared.json";

struct SharedWriter {
  uint32_t id = 0;
  uint32_t count = 1;
};

// "writer=<id>": the writer's directory, relative to the dataset (a hive
// partition, so external readers get a `writer` column).
std::string writer_directory(uint32_t id);
// The id of a directory named as writer_directory names it, else none.
std::optional<uint32_t> writer_of_directory(std::string_view name);

// The writer count the descriptor of the dataset at `root` records; none if
// the dataset is not shared (no descriptor). A descriptor that does not check
// throws Error(corrupt) naming it; a writer (`quarantine`) first moves it to
// _simingest/quarantine/, so the next writer to open creates it again, while
// readers (inspect, the dataset reader) change nothing.
std::optional<uint32_t> shared_writer_count(const std::string& root, bool quarantine = false);

// Opens `root` (created if needed, parents included) as writer `writer.id`
// of a shared dataset: creates the descriptor if absent, else checks that it
// records `writer.count` (Error(config) naming both counts). Refuses a
// single-writer dataset at `root` (Error(config)). Returns the writer's
// directory, absolute: the root of its single-writer part.
std::string claim_shared_writer(const std::string& root, const SharedWriter& writer);

// Refuses (Error(config)) to open the shared dataset at `root` without a
// writer: its manifests live in its writers' directories.
void refuse_shared_without_writer(const std::string& root);

// The ids of the writer directories at `root` that hold a manifest, ascending.
std::vector<uint32_t> writers_present(const std::string& root);

// Every present writer's manifest texts as read_manifest_texts reads them.
// Readers compare these to skip parsing what they parsed before.
using SharedManifestTexts = std::vector<std::pair<uint32_t, ManifestTexts>>;
SharedManifestTexts read_shared_manifest_texts(const std::string& root);

// One writer's manifest, as load_manifest_copies loaded it.
struct WriterManifest {
  uint32_t id = 0;
  LoadedManifest loaded;
};

// The writers' manifests merged into one, as a reader sees the dataset: every
// file and quarantined path prefixed with its writer's directory, files in
// writer order, then each writer's commit order. A stream declared with
// different schemas by two writers throws Error(schema_conflict) naming both.
Manifest union_of_writers(const std::vector<WriterManifest>& writers);

// Loads every present writer's manifest (Error(corrupt) if one has no good
// copy) from `texts`.
std::vector<WriterManifest> load_writer_manifests(const std::string& root, const SharedManifestTexts& texts);

// The whole job's checkpoint: per stream, the last step durable on every one
// of the `count` writers (the smallest of their last durable steps); a stream
// some writer has not committed a file of yet has none.
std::vector<std::pair<std::string, std::optional<int64_t>>> job_durable_steps(
    const std::vector<WriterManifest>& writers, uint32_t count);

}  // namespace simingest::storage
