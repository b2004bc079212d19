// A Parquet file of a snapshot, read with pread through storage's FileSource:
// by its path (a committed file), or through the descriptor the engine handed
// over (its in-progress file, which a commit may rename while the query reads).
#pragma once

#include "query/snapshot.hpp"
#include "storage/file_source.hpp"

namespace simingest::query {

class FileSource final : public storage::FileSource {
 public:
  // Opens `part` (never following a symbolic link) and takes its size now: an
  // in-progress file may grow, but a snapshot reads only what it had. Throws
  // Error(io) naming the path when it cannot be opened (removed meanwhile) or
  // is not a regular file.
  explicit FileSource(const FilePart& part);
};

}  // namespace simingest::query
