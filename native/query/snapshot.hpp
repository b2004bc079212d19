// What one query reads, fixed when the query begins: the stream's files, then
// the frames still in the engine's memory, together in ingest order. The
// dataset reader fills only `files` (committed ones, in manifest order); the
// engine adds its in-progress file and its in-memory frames. Everything a
// snapshot points to is kept alive by it (fd, owner, batches), so the engine
// may move on (commit, rename, reuse buffers) while a query still reads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "query/arrow_export.hpp"
#include "storage/row_group_index.hpp"

namespace simingest::query {

// A Parquet file of the stream, committed or still being written.
struct FilePart {
  std::string path;  // absolute; names the file in messages
  // Optional: an open O_RDONLY descriptor to read instead of `path`. The
  // engine hands its in-progress file this way because a commit renames it.
  std::shared_ptr<const int> fd;
  // Empty: a committed file, whose footer is read (and cached per path:
  // committed files never change). Otherwise the file is in progress and
  // these are the serialized Parquet RowGroup structs written so far
  // (FileWriter::last_row_group_metadata() of each), in order; only these row
  // groups are read, so bytes appended after the snapshot are never seen.
  std::vector<std::vector<uint8_t>> row_groups;
  // The file's time index (its manifest entry's rowGroupIndex, the written
  // row groups' for a file in progress), one per row group in order; empty
  // when the entry has none (a salvaged file). A row group whose entry lists
  // its frames gives the query each frame's step, time and rows, so its step
  // and time columns are never decoded.
  std::vector<storage::RowGroupIndex> index;
  // The columns the file was written with when they are not the stream's
  // declared ones (a file of an older schema version): output columns are
  // found in it by name, widened from its dtype, null where it lacks them.
  // Null or empty: the stream's declared columns, in order. Shared by the
  // files of one version (a snapshot lists thousands of files, a stream has
  // a few versions).
  std::shared_ptr<const std::vector<FileColumn>> columns;
  // The ranges of the whole file, for pruning it unopened.
  int64_t step_min = 0, step_max = 0;
  double time_min = 0, time_max = 0;
};

// A frame still in the engine's memory.
struct MemoryFrame {
  int64_t step = 0;
  double time = 0;
  uint64_t rows = 0;
  std::vector<const unsigned char*> columns;  // per declared column, in declared order
  std::vector<bool> is_scalar;                // scalar: columns[j] points to one value
  std::shared_ptr<const void> owner;          // keeps the bytes alive
};

struct StreamSnapshot {
  std::string stream;
  StreamConfig config;
  // Per declared column: some schema version lacks it (its output is nullable).
  // Empty for a stream that never evolved.
  std::vector<bool> nullable;
  std::vector<FilePart> files;       // first, in ingest order
  std::vector<MemoryFrame> frames;   // then, in ingest order, gathered into batches as read
  // Then batches made already (query/memory_batches.hpp), in ingest order,
  // from the query's own memory account: the engine's in-flight frames,
  // copied once, straight from its buffers, while it held them.
  std::vector<std::unique_ptr<BatchBuilder>> batches;
};

}  // namespace simingest::query
