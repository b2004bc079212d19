// Footers of committed files, decoded once per path. A committed file never
// changes (new data goes to new files; resume and quarantine move files
// aside, never rewrite them in place), so a footer read once stays right; the
// cached file size is compared on every use so that a file replaced under the
// same name is read again rather than trusted. Shared by every query of one
// dataset handle (or engine); thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "parquet/byte_source.hpp"
#include "parquet/parquet_metadata.hpp"

namespace simingest::query {

class FooterCache {
 public:
  // At most this many footers are kept; past it the cache starts over (a
  // footer costs a few KiB, a re-read one pread).
  static constexpr std::size_t kMaxEntries = 4096;

  // The decoded footer of the committed file `source` (named by its path).
  // Throws as parquet::read_footer.
  std::shared_ptr<const parquet::format::FileMetaData> footer(const parquet::ByteSource& source);

  std::size_t size() const;

 private:
  struct Entry {
    uint64_t file_size = 0;
    std::shared_ptr<const parquet::format::FileMetaData> footer;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace simingest::query
