#include "query/memory_batches.hpp"

#include <algorithm>
#include <cstring>

#include "core/status.hpp"

namespace simingest::query {

namespace {

void copy_frame(const MemoryFrame& frame, const ResolvedQuery& query, const std::string& stream, BatchBuilder& batch,
                uint64_t at) {
  std::fill_n(batch.steps() + at, frame.rows, frame.step);
  std::fill_n(batch.times() + at, frame.rows, frame.time);
  for (std::size_t j = 0; j < query.columns.size(); ++j) {
    const std::size_t d = query.columns[j].declared_index;
    if (d >= frame.columns.size() || d >= frame.is_scalar.size())
      throw Error(Status::internal, "query: an in-memory frame of stream " + stream + " lacks column " +
                                        query.columns[j].name);
    const std::size_t width = dtype_size(query.columns[j].dtype);
    uint8_t* out = batch.column(j) + at * width;
    if (frame.is_scalar[d]) {
      for (uint64_t r = 0; r < frame.rows; ++r) std::memcpy(out + r * width, frame.columns[d], width);
    } else if (frame.rows > 0) {
      std::memcpy(out, frame.columns[d], frame.rows * width);
    }
  }
}

}  // namespace

std::unique_ptr<BatchBuilder> next_memory_batch(const std::vector<MemoryFrame>& frames, std::size_t& next,
                                                const ResolvedQuery& query, const std::shared_ptr<QueryMemory>& memory,
                                                const std::string& stream) {
  while (next < frames.size() && !query.selects(frames[next].step, frames[next].time)) ++next;
  if (next == frames.size()) return nullptr;
  uint64_t row_bytes = 16;
  for (const OutputColumn& column : query.columns) row_bytes += dtype_size(column.dtype);
  // The frames of this batch: consecutive selected ones up to the target size.
  std::size_t end = next + 1;
  uint64_t rows = frames[next].rows;
  if (!query.spec.batch_per_frame) {
    for (std::size_t f = end; f < frames.size(); ++f) {
      if (!query.selects(frames[f].step, frames[f].time)) continue;
      if ((rows + frames[f].rows) * row_bytes > kMemoryBatchBytes) break;
      rows += frames[f].rows;
      end = f + 1;
    }
  }
  auto batch = std::make_unique<BatchBuilder>(memory, query.columns, rows);
  uint64_t at = 0;
  for (std::size_t f = next; f < end; ++f) {
    if (!query.selects(frames[f].step, frames[f].time)) continue;
    copy_frame(frames[f], query, stream, *batch, at);
    at += frames[f].rows;
  }
  next = end;
  return batch;
}

}  // namespace simingest::query
