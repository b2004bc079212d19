#include "query/footer_cache.hpp"

#include "parquet/footer_reader.hpp"

namespace simingest::query {

std::shared_ptr<const parquet::format::FileMetaData> FooterCache::footer(const parquet::ByteSource& source) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(source.name());
    if (it != entries_.end() && it->second.file_size == source.size()) return it->second.footer;
  }
  // Decoded outside the lock: two queries may both read a new footer, which
  // is harmless; none waits for another's I/O.
  auto decoded = std::make_shared<const parquet::format::FileMetaData>(parquet::read_footer(source));
  std::lock_guard<std::mutex> lock(mutex_);
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_[source.name()] = Entry{source.size(), decoded};
  return decoded;
}

std::size_t FooterCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace simingest::query
