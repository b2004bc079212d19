// Workers: compute a frame's column statistics, and put frames back in
// ingest order per stream, where consecutive frames of one partition are
// gathered into row groups. A sealed row group becomes one encoding task per
// column, which any worker may take. The loop that feeds them is in
// worker_loop.cpp.
#include <algorithm>

#include "pipeline/engine_impl.hpp"

namespace simingest {

using pipeline::ChunkTask;
using pipeline::Frame;
using pipeline::RowGroup;
using pipeline::StreamState;

void Engine::Impl::process_frame(Frame* frame) {
  const int64_t started = monotonic_ns();
  stage_queue.record(started - frame->enqueued_ns);
  if (frame->kind == Frame::Kind::data) {
    const StreamState& stream = *streams[frame->stream];
    for (uint32_t j = 0; j < frame->ncolumns; ++j) {
      auto& column = frame->columns[j];
      const Dtype dtype = stream.config.columns[j].dtype;
      if (column.is_scalar) {
        column.stats = frame->rows ? scalar_column_stats(dtype, column.data, frame->rows) : ColumnStats{};
      } else {
        column.stats = compute_column_stats(dtype, column.data, frame->rows);
      }
    }
    stage_stats.record(monotonic_ns() - started);
  }
  sequence(frame);
}

void Engine::Impl::sequence(Frame* frame) {
  StreamState& stream = *streams[frame->stream];
  std::lock_guard<std::mutex> lock(stream.mutex);
  stream.pending.push(frame);
  while (!stream.pending.empty() && stream.pending.top()->seq == stream.next_expected) {
    Frame* next = stream.pending.top();
    stream.pending.pop();
    ++stream.next_expected;
    if (next->kind == Frame::Kind::barrier) {
      pipeline::FlushTicket* ticket = next->ticket;
      pipeline::BufferPool::free(next->buffer);  // markers are never charged
      seal(stream, /*close_file=*/true, ticket);
      continue;
    }
    if (next->kind == Frame::Kind::seal) {
      pipeline::BufferPool::free(next->buffer);  // markers are never charged
      if (stream.building) seal(stream, /*close_file=*/false, nullptr);
      if (relief_remaining.fetch_sub(1, std::memory_order_acq_rel) == 1)
        relief_pending.store(false, std::memory_order_release);
      continue;
    }
    if (stream.building && stream.building->partition != next->partition)
      seal(stream, /*close_file=*/true, nullptr);
    if (!stream.building) {
      stream.building = std::make_unique<RowGroup>();
      stream.building->stream = stream.index;
      stream.building->partition = next->partition;
      stream.building->step_min = stream.building->step_max = next->step;
      stream.building->time_min = stream.building->time_max = next->time;
    }
    RowGroup& group = *stream.building;
    group.frames.push_back(next);
    ++group.frame_count;
    group.rows += next->rows;
    group.bytes_in += next->bytes_in;
    group.raw_bytes += next->bytes_in + 16 * next->rows;
    group.encode_reserve += next->encode_reserve;
    group.charge += next->buffer_charge + next->encode_reserve;
    group.step_min = std::min(group.step_min, next->step);
    group.step_max = std::max(group.step_max, next->step);
    group.time_min = std::min(group.time_min, next->time);
    group.time_max = std::max(group.time_max, next->time);
    // Small frames cost more budget than their bytes: cap the charge too, so
    // a row group never holds more than a quarter of the budget.
    if (group.raw_bytes >= row_group_target || group.charge >= budget.limit() / 4)
      seal(stream, /*close_file=*/false, nullptr);
  }
}

// Called with stream.mutex held.
void Engine::Impl::seal(StreamState& stream, bool close_file, pipeline::FlushTicket* ticket) {
  std::unique_ptr<RowGroup> group = std::move(stream.building);
  if (!group) {
    group = std::make_unique<RowGroup>();  // a marker: close the open file
    group->stream = stream.index;
  }
  group->seq = stream.next_row_group++;
  row_groups_in_flight.fetch_add(1, std::memory_order_acq_rel);
  group->close_file = close_file;
  if (ticket != nullptr) group->tickets.push_back(ticket);

  if (group->rows == 0) {
    // Nothing to encode (a marker, or frames of zero rows).
    RowGroup* raw = group.release();
    release_frames(*raw);
    submit_for_commit(raw);
    return;
  }
  const uint32_t nchunks = static_cast<uint32_t>(stream.file_schema.columns.size());
  group->chunks.resize(nchunks);
  group->chunks_pending.store(nchunks, std::memory_order_release);
  RowGroup* raw = group.release();
  {
    std::lock_guard<std::mutex> lock(chunk_mutex);
    for (uint32_t c = 0; c < nchunks; ++c) chunk_tasks.push_back(ChunkTask{raw, c});
  }
  for (uint32_t c = 0; c < nchunks; ++c) work_available.post();
}

}  // namespace simingest
