#include "query/row_group_reader.hpp"

#include <algorithm>
#include <cstring>

#include "core/names.hpp"
#include "core/status.hpp"
#include "parquet/column_type.hpp"
#include "query/page_span.hpp"

namespace simingest::query {

namespace fmt = parquet::format;

namespace {

template <class T>
bool statistic(const std::optional<std::string>& bytes, T& out) noexcept {
  if (!bytes || bytes->size() != sizeof(T)) return false;
  std::memcpy(&out, bytes->data(), sizeof(T));
  return true;
}

// A chunk of the row group must be the stream's column of that position, of
// its physical type, with one value per row.
void check_chunk(const fmt::RowGroup& group, std::size_t index, const std::string& name, fmt::Type type,
                 const std::string& where) {
  if (index >= group.columns.size())
    throw Error(Status::corrupt, where + ": has " + std::to_string(group.columns.size()) +
                                     " column chunks, the stream declares column " + quote_name(name) + " at " +
                                     std::to_string(index));
  const fmt::ColumnMetaData& meta = group.columns[index].meta_data;
  if (meta.path_in_schema.size() != 1 || meta.path_in_schema[0] != name || meta.type != type)
    throw Error(Status::corrupt, where + ": column chunk " + std::to_string(index) + " is not the stream's column " +
                                     quote_name(name) + " (the file does not match the stream's schema)");
  if (meta.num_values != group.num_rows)
    throw Error(Status::corrupt, where + ": column " + quote_name(name) + " holds " + std::to_string(meta.num_values) +
                                     " values for " + std::to_string(group.num_rows) + " rows");
}

// Copies rows [begin, end) of physical values into a dtype's buffer: small
// integers are stored widened to INT32 (parquet/column_type.hpp) and come
// back by keeping their low bytes; every other dtype is bit-identical.
void copy_rows(Dtype dtype, const uint8_t* physical, uint64_t begin, uint64_t end, uint8_t* out) noexcept {
  const std::size_t width = dtype_size(dtype);
  const std::size_t stored = parquet::column_type_of(dtype).physical_size;
  const uint64_t count = end - begin;
  if (width == stored) {
    std::memcpy(out, physical + begin * stored, count * width);
    return;
  }
  const uint8_t* in = physical + begin * stored;
  for (uint64_t i = 0; i < count; ++i) std::memcpy(out + i * width, in + i * stored, width);
}

// Converts rows [begin, end) of physical values of `From` into `To` (a
// widening schema evolution allows: every value is exact in `To`).
template <class From, class To>
void widen_values(const uint8_t* physical, std::size_t stored, uint64_t begin, uint64_t end, uint8_t* out) noexcept {
  for (uint64_t i = begin; i < end; ++i) {
    From value;
    std::memcpy(&value, physical + i * stored, sizeof value);  // little-endian: the low bytes of an INT32
    const To wide = static_cast<To>(value);
    std::memcpy(out + (i - begin) * sizeof(To), &wide, sizeof wide);
  }
}

template <class From>
void widen_from(Dtype to, const uint8_t* physical, std::size_t stored, uint64_t begin, uint64_t end,
                uint8_t* out) noexcept {
  switch (to) {
    case Dtype::int16: widen_values<From, int16_t>(physical, stored, begin, end, out); break;
    case Dtype::int32: widen_values<From, int32_t>(physical, stored, begin, end, out); break;
    case Dtype::int64: widen_values<From, int64_t>(physical, stored, begin, end, out); break;
    case Dtype::uint16: widen_values<From, uint16_t>(physical, stored, begin, end, out); break;
    case Dtype::uint32: widen_values<From, uint32_t>(physical, stored, begin, end, out); break;
    case Dtype::uint64: widen_values<From, uint64_t>(physical, stored, begin, end, out); break;
    case Dtype::float64: widen_values<From, double>(physical, stored, begin, end, out); break;
    default: break;  // not a widening target (core/schema_evolution.cpp refuses it)
  }
}

void widen_rows(Dtype from, Dtype to, const uint8_t* physical, uint64_t begin, uint64_t end, uint8_t* out) noexcept {
  const std::size_t stored = parquet::column_type_of(from).physical_size;
  switch (from) {
    case Dtype::int8: widen_from<int8_t>(to, physical, stored, begin, end, out); break;
    case Dtype::int16: widen_from<int16_t>(to, physical, stored, begin, end, out); break;
    case Dtype::int32: widen_from<int32_t>(to, physical, stored, begin, end, out); break;
    case Dtype::uint8: widen_from<uint8_t>(to, physical, stored, begin, end, out); break;
    case Dtype::uint16: widen_from<uint16_t>(to, physical, stored, begin, end, out); break;
    case Dtype::uint32: widen_from<uint32_t>(to, physical, stored, begin, end, out); break;
    case Dtype::float32: widen_from<float>(to, physical, stored, begin, end, out); break;
    default: break;  // 64-bit types widen to nothing
  }
}

}  // namespace

RowGroupRanges row_group_ranges(const fmt::RowGroup& group) noexcept {
  RowGroupRanges r;
  if (group.columns.size() >= 2) {
    const auto& step_stats = group.columns[0].meta_data.statistics;
    const auto& time_stats = group.columns[1].meta_data.statistics;
    if (step_stats)
      r.has_steps = statistic(step_stats->min_value, r.step_min) && statistic(step_stats->max_value, r.step_max);
    if (time_stats)
      r.has_time = statistic(time_stats->min_value, r.time_min) && statistic(time_stats->max_value, r.time_max);
  }
  return r;
}

void RowGroupReader::decode_chunk(const parquet::ByteSource& source, uint64_t data_end, const fmt::ColumnChunk& chunk,
                                  const std::string& where, std::vector<uint8_t>& values) {
  const parquet::ChunkRange range = parquet::column_chunk_range(chunk.meta_data, data_end, where);
  reader_.read_bytes(source, range, bytes_);
  reader_.decode(chunk.meta_data, bytes_.data(), bytes_.size(), where, values);
}

bool RowGroupReader::frames_from_index(const fmt::RowGroup& group, const storage::RowGroupIndex& index,
                                       const ResolvedQuery& query) {
  // The index is a copy of what the writer knew; the file is what is read.
  // Used only when it accounts for exactly the row group's rows, frame after
  // frame; otherwise the step and time columns are decoded instead.
  if (index.frame_entries.empty() || index.rows != group.num_rows) return false;
  int64_t row = index.first_row;
  for (const storage::FrameIndexEntry& frame : index.frame_entries) {
    if (frame.first_row != row || frame.rows <= 0) return false;
    row += frame.rows;
  }
  if (row - index.first_row != group.num_rows) return false;
  for (const storage::FrameIndexEntry& frame : index.frame_entries) {
    if (!query.selects(frame.step, frame.time)) continue;
    const auto begin = static_cast<uint64_t>(frame.first_row - index.first_row);
    frames_.push_back({begin, begin + static_cast<uint64_t>(frame.rows), frame.step, frame.time});
  }
  return true;
}

bool RowGroupReader::select(const parquet::ByteSource& source, uint64_t data_end, const fmt::RowGroup& group,
                            const storage::RowGroupIndex* index, const ResolvedQuery& query,
                            const std::string& where) {
  frames_.clear();
  indexed_ = false;
  if (group.num_rows < 0) throw Error(Status::corrupt, where + ": negative row count");
  check_chunk(group, 0, "step", fmt::Type::int64, where);
  check_chunk(group, 1, "time", fmt::Type::double_, where);
  const RowGroupRanges ranges = row_group_ranges(group);
  if (ranges.has_steps && !query.may_select_steps(ranges.step_min, ranges.step_max)) return false;
  if (ranges.has_time && !query.may_select_time(ranges.time_min, ranges.time_max)) return false;
  if (index != nullptr && frames_from_index(group, *index, query)) {
    indexed_ = true;
    return !frames_.empty();
  }

  decode_chunk(source, data_end, group.columns[0], where + ": step", steps_);
  decode_chunk(source, data_end, group.columns[1], where + ": time", times_);
  const auto rows = static_cast<uint64_t>(group.num_rows);
  const auto* steps = reinterpret_cast<const int64_t*>(steps_.data());
  const auto* times = reinterpret_cast<const double*>(times_.data());
  uint64_t begin = 0;
  while (begin < rows) {
    uint64_t end = begin + 1;
    // Equal bits, not ==, so that a frame with a NaN time stays one frame.
    while (end < rows && steps[end] == steps[begin] && std::memcmp(&times[end], &times[begin], sizeof(double)) == 0)
      ++end;
    if (query.selects(steps[begin], times[begin])) {
      if (!frames_.empty() && frames_.back().end == begin && !query.spec.batch_per_frame) {
        frames_.back().end = end;  // adjacent frames copy as one range
      } else {
        frames_.push_back({begin, end, steps[begin], times[begin]});
      }
    }
    begin = end;
  }
  return !frames_.empty();
}

uint64_t RowGroupReader::rows(std::size_t first, std::size_t last) const noexcept {
  uint64_t n = 0;
  for (std::size_t i = first; i < last; ++i) n += frames_[i].end - frames_[i].begin;
  return n;
}

uint64_t RowGroupReader::decode_rows(const parquet::ByteSource& source, uint64_t data_end, const fmt::RowGroup& group,
                                     const fmt::ColumnChunk& chunk, uint64_t begin, uint64_t end,
                                     const std::string& where, std::vector<uint8_t>& values, bool& whole) {
  const parquet::ChunkRange range = parquet::column_chunk_range(chunk.meta_data, data_end, where);
  const std::optional<PageSpan> span = page_span(source, chunk, range, group.num_rows, begin, end, where, index_bytes_);
  whole = !span;
  if (!span) {
    reader_.read_bytes(source, range, bytes_);
    reader_.decode(chunk.meta_data, bytes_.data(), bytes_.size(), where, values);
    return 0;
  }
  // The dictionary page, then the data pages, as one run of pages to decode.
  bytes_.resize(static_cast<std::size_t>(span->dictionary_size + span->pages_size));
  if (span->dictionary_size != 0) source.read_at(span->dictionary_offset, bytes_.data(), span->dictionary_size);
  source.read_at(span->pages_offset, bytes_.data() + span->dictionary_size, span->pages_size);
  reader_.decode_pages(chunk.meta_data, bytes_.data(), bytes_.size(), span->rows, where, values);
  return span->first_row;
}

void RowGroupReader::use_file_columns(const ResolvedQuery& query, const std::vector<FileColumn>* file) {
  chunk_.resize(query.columns.size());
  stored_.resize(query.columns.size());
  absent_.assign(query.columns.size(), false);
  for (std::size_t j = 0; j < query.columns.size(); ++j) {
    const OutputColumn& column = query.columns[j];
    chunk_[j] = column.declared_index + 2;
    stored_[j] = column.dtype;
    if (file == nullptr || file->empty()) continue;
    std::size_t k = 0;
    while (k < file->size() && (*file)[k].name != column.name) ++k;
    absent_[j] = k == file->size();
    if (absent_[j]) continue;
    chunk_[j] = k + 2;
    stored_[j] = (*file)[k].dtype;
  }
}

void RowGroupReader::decode_columns(const parquet::ByteSource& source, uint64_t data_end, const fmt::RowGroup& group,
                                    const ResolvedQuery& query, const std::string& where) {
  if (columns_.size() < query.columns.size()) columns_.resize(query.columns.size());
  first_rows_.assign(query.columns.size(), 0);
  whole_.assign(query.columns.size(), true);
  if (frames_.empty()) return;
  // Frames are in row order: the pages from the first selected row to the last.
  const uint64_t begin = frames_.front().begin, end = frames_.back().end;
  for (std::size_t j = 0; j < query.columns.size(); ++j) {
    if (absent_[j]) continue;
    const OutputColumn& column = query.columns[j];
    check_chunk(group, chunk_[j], column.name, parquet::column_type_of(stored_[j]).physical, where);
    bool whole = true;
    first_rows_[j] = decode_rows(source, data_end, group, group.columns[chunk_[j]], begin, end,
                                 where + ": " + column.name, columns_[j], whole);
    whole_[j] = whole;
  }
}

void RowGroupReader::copy_into(BatchBuilder& batch, uint64_t at, std::size_t first, std::size_t last,
                               const ResolvedQuery& query) const {
  for (std::size_t f = first; f < last; ++f) {
    const RowRange& range = frames_[f];
    const uint64_t count = range.end - range.begin;
    if (indexed_) {
      std::fill_n(batch.steps() + at, count, range.step);
      std::fill_n(batch.times() + at, count, range.time);
    } else {
      std::memcpy(batch.steps() + at, steps_.data() + range.begin * 8, count * 8);
      std::memcpy(batch.times() + at, times_.data() + range.begin * 8, count * 8);
    }
    for (std::size_t j = 0; j < query.columns.size(); ++j) {
      const Dtype dtype = query.columns[j].dtype;
      uint8_t* out = batch.column(j) + at * dtype_size(dtype);
      if (absent_[j]) {
        std::memset(out, 0, count * dtype_size(dtype));  // defined bytes under the nulls
        batch.set_null(j, at, count);
      } else if (stored_[j] != dtype) {
        widen_rows(stored_[j], dtype, columns_[j].data(), range.begin - first_rows_[j], range.end - first_rows_[j],
                   out);
      } else {
        copy_rows(dtype, columns_[j].data(), range.begin - first_rows_[j], range.end - first_rows_[j], out);
      }
    }
    at += count;
  }
}

}  // namespace simingest::query
