// Walking the rows of a column chunk given as segments, a page at a time.
// Pages never align with segments: a page may end inside a segment and the
// next one starts where it stopped.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.hpp"
#include "parquet/column_chunk.hpp"

namespace simingest::parquet {

class SegmentCursor {
 public:
  SegmentCursor(const ValueSegment* segments, std::size_t nsegments, std::size_t value_size) noexcept
      : segments_(segments), nsegments_(nsegments), value_size_(value_size) {}

  // Calls fn(const uint8_t* data, std::size_t count, bool is_scalar) for the
  // pieces making up the next `rows` rows (data points at the first of them,
  // or at the one value of a scalar segment) and moves past them. `rows`
  // must not exceed the rows left.
  template <class Fn>
  void take(std::size_t rows, Fn&& fn) {
    while (rows > 0) {
      if (index_ == nsegments_) throw Error(Status::internal, "segment cursor: past the last row");
      const ValueSegment& s = segments_[index_];
      const std::size_t left = s.count - offset_;
      if (left == 0) {
        ++index_;
        offset_ = 0;
        continue;
      }
      const std::size_t n = left < rows ? left : rows;
      const auto* base = static_cast<const uint8_t*>(s.data);
      fn(s.is_scalar ? base : base + offset_ * value_size_, n, s.is_scalar);
      offset_ += n;
      rows -= n;
    }
  }

 private:
  const ValueSegment* segments_;
  std::size_t nsegments_;
  std::size_t value_size_;
  std::size_t index_ = 0;
  std::size_t offset_ = 0;
};

// Total rows of `nsegments` segments.
inline std::size_t segment_rows(const ValueSegment* segments, std::size_t nsegments) noexcept {
  std::size_t rows = 0;
  for (std::size_t i = 0; i < nsegments; ++i) rows += segments[i].count;
  return rows;
}

}  // namespace simingest::parquet
