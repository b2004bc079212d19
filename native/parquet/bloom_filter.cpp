#include "parquet/bloom_filter.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/column_stats.hpp"
#include "core/status.hpp"
#include "kernels/split_block_bloom.hpp"
#include "parquet/parquet_metadata.hpp"

namespace simingest::parquet {

uint32_t bloom_filter_bytes(uint64_t ndv, double fpp) noexcept {
  const double bits = -8.0 * static_cast<double>(ndv) / std::log(1.0 - std::pow(fpp, 1.0 / 8.0));
  const double bytes = std::ceil(bits / 8.0);
  if (!(bytes > kMinBloomFilterBytes)) return kMinBloomFilterBytes;  // also NaN (fpp out of range)
  if (bytes >= kMaxBloomFilterBytes) return kMaxBloomFilterBytes;
  uint32_t size = kMinBloomFilterBytes;
  while (size < bytes) size <<= 1;
  return size;
}

double bloom_filter_bytes_per_value_bound(double fpp) noexcept {
  return 2.0 * (-1.0 / std::log(1.0 - std::pow(fpp, 1.0 / 8.0)));  // 2 x (m / ndv) / 8
}

void fill_bloom_filter(const ColumnDescriptor& column, const ValueSegment* segments, std::size_t nsegments,
                       std::size_t rows, std::vector<uint32_t>& words) {
  words.clear();
  if (!column.bloom_filter.enabled && column.bloom_filter_bytes == 0) return;
  uint32_t bytes = column.bloom_filter_bytes;
  if (bytes == 0) {
    const uint64_t ndv = column.bloom_filter.ndv == 0 ? rows : std::min<uint64_t>(column.bloom_filter.ndv, rows);
    bytes = bloom_filter_bytes(ndv, column.bloom_filter.fpp);
  }
  words.assign(bytes / 4, 0);
  const std::size_t blocks = bytes / 32;
  for (std::size_t s = 0; s < nsegments; ++s) {
    const ValueSegment& seg = segments[s];
    if (seg.count == 0) continue;
    if (seg.is_scalar)
      kernels::bloom_insert_hash(kernels::bloom_hash(column.dtype, load_value_bits(column.dtype, seg.data)),
                                 words.data(), blocks);
    else
      kernels::bloom_insert_values(column.dtype, seg.data, seg.count, words.data(), blocks);
  }
}

void append_bloom_filter(const std::vector<uint32_t>& words, std::vector<uint8_t>& out) {
  format::BloomFilterHeader header;
  header.num_bytes = static_cast<int32_t>(words.size() * 4);
  format::serialize(header, out);
  const std::size_t at = out.size();
  out.resize(at + words.size() * 4);
  std::memcpy(out.data() + at, words.data(), words.size() * 4);  // little endian, as the spec stores words
}

}  // namespace simingest::parquet
