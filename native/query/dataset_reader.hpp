// The read-only view of a dataset (simingest_dataset_open in the C ABI): no
// lock, nothing written, so it is safe beside a writer in another process.
// Every query reads the manifest again, the way `inspect` does
// (storage::load_manifest_copies: both copies, their checks, the backup when
// the primary is missing or damaged), so a live reader sees each new commit;
// the stream's committed files in manifest order are its frames in ingest
// order. Footers are cached across queries (FooterCache), and so is the
// parsed manifest as long as the bytes of both copies are the very bytes it
// was parsed from (two small reads and a compare per query instead of
// parsing and checking both copies again). Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "query/footer_cache.hpp"
#include "query/query_spec.hpp"
#include "query/snapshot.hpp"
#include "simingest.h"
#include "storage/manifest.hpp"
#include "storage/manifest_store.hpp"
#include "storage/shared_dataset.hpp"

namespace simingest::query {

class DatasetReader {
 public:
  // Opens the dataset at `root`, reading its manifest once to check it. A
  // shared dataset (storage/shared_dataset.hpp) reads as the union of its
  // writers' manifests, each read once per query: a consistent snapshot, in
  // which every writer's part is a prefix of that writer's commits.
  // Throws Error(io) when `root` holds no manifest (not a simingest dataset)
  // or it cannot be read, Error(corrupt) when no copy passes its checks.
  explicit DatasetReader(const std::string& root);

  // The stream's committed files as the manifest lists them now, then (a
  // realtime stream whose manifest has a compaction mark) the records of its
  // log past the mark, each frame once. Throws
  // Error(unknown_stream) for a stream the dataset does not hold, and as the
  // constructor when the manifest has become unreadable.
  StreamSnapshot snapshot(const std::string& stream) const;

  // The stream's configuration as the manifest declares it now (the unified
  // one of an evolved stream), without reading its files or its log: what a
  // subscription to the log needs. Throws as snapshot().
  StreamConfig stream_config(const std::string& stream) const;

  // simingest_dataset_query: resolves `spec` against the stream and fills
  // `out` with a live stream. memory_limit 0 in the spec: kDefaultQueryMemoryLimit.
  void query(const std::string& stream, const QuerySpec& spec, ArrowArrayStream* out) const;

  // {"streams": [{"name": …, "schema": {…}}]}, read from the manifest now.
  std::string streams_json() const;

  const std::string& root() const noexcept { return root_; }
  const std::shared_ptr<FooterCache>& footers() const noexcept { return footers_; }

 private:
  // The manifest now: the cached one when both copies still hold the bytes
  // it was parsed from, else loaded (and checked) again.
  std::shared_ptr<const storage::Manifest> manifest() const;
  // snapshot(), again (up to kSnapshotAttempts) while compactions move the mark.
  StreamSnapshot snapshot_attempt(const std::string& stream, int attempt) const;
  static constexpr int kSnapshotAttempts = 16;

  std::string root_;  // absolute
  std::shared_ptr<FooterCache> footers_ = std::make_shared<FooterCache>();
  // Lock: `mutex_` guards the cache.
  mutable std::mutex mutex_;
  mutable storage::ManifestTexts cached_texts_;  // what cached_ was loaded from
  // A shared dataset: the writers' texts cached_ was loaded from.
  bool shared_ = false;
  mutable storage::SharedManifestTexts cached_shared_texts_;
  mutable std::shared_ptr<const storage::Manifest> cached_;
};

// The columns a schema version declares, from its canonical schema text (a
// file of an older version of an evolved stream: query::FilePart::columns).
std::vector<FileColumn> columns_of_schema(const std::string& schema_text);

// A stream's configuration from the schema text the manifest stores for it
// (core's stream_schema_json), parsed by core/config. Throws Error(corrupt)
// naming `source` when it does not parse.
StreamConfig stream_config_from_schema(const std::string& stream, const std::string& schema_text,
                                       const std::string& source);

}  // namespace simingest::query
