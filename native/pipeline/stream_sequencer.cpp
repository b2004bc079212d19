// Workers: take frames off the queue, compute their column statistics, and
// put them back in ingest order per stream, where consecutive frames of one
// partition are gathered into row groups. A sealed row group becomes one
// encoding task per column, which any worker may take.
#include <algorithm>

#include "kernels/column_stats_kernel.hpp"
#include "pipeline/engine_impl.hpp"

namespace simingest {

using pipeline::ChunkTask;
using pipeline::Frame;
using pipeline::RowGroup;
using pipeline::StreamState;

void Engine::Impl::run_worker(unsigned index) {
  // Pinned before the encoder exists, so its scratch memory is first touched
  // (and placed) on the worker's node.
  if (!placements.empty()) place_worker(index);
  parquet::EncoderOptions encoder_options;
  encoder_options.codec = config.compression.codec;
  encoder_options.level = config.compression.level;
  encoder_options.page_bytes = static_cast<std::size_t>(config.page_bytes);
  parquet::ColumnChunkEncoder encoder(encoder_options);
  std::vector<parquet::ValueSegment> segments;

  for (;;) {
    // Encoding first: it frees memory; new frames only add to it.
    bool have_chunk = false;
    ChunkTask task{};
    {
      std::lock_guard<std::mutex> lock(chunk_mutex);
      if (!chunk_tasks.empty()) {
        task = chunk_tasks.front();
        chunk_tasks.pop_front();
        have_chunk = true;
      }
    }
    if (have_chunk) {
      encode_chunk(task, encoder, segments);
      continue;
    }
    Frame* frame = nullptr;
    if (pop_frame(frame)) {
      process_frame(frame);
      continue;
    }
    if (workers_stop.load(std::memory_order_acquire)) return;
    // Small frames arrive microseconds apart: look again for a moment before
    // sleeping, so a stream of them does not cost a futex wake-up per frame.
    if (spin_for_frame(frame)) {
      process_frame(frame);
      continue;
    }
    work_available.wait();
  }
}

// One worker at a time spins: with small frames one worker keeps up, and a
// second spinner would only take a core from the host thread. While it spins,
// enqueue() does not post. That is safe because both sides use
// read-modify-writes of `spinning` (sequentially consistent, and visible to
// ThreadSanitizer, unlike fences): the host pushes, then reads `spinning`
// with fetch_add(0); the spinner clears it with exchange(0), then looks at
// the queues once more. If the host read 1, its read came before the clear,
// so the clear synchronises with it and the spinner sees the frame; if not,
// the host read 0 and posted.
bool Engine::Impl::spin_for_frame(Frame*& frame) noexcept {
  constexpr int kSpins = 256;  // a few microseconds
  int idle = 0;
  if (!spinning.compare_exchange_strong(idle, 1, std::memory_order_seq_cst)) return false;
  bool found = false;
  for (int i = 0; i < kSpins && !found; ++i) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    found = pop_frame(frame);
  }
  spinning.exchange(0, std::memory_order_seq_cst);
  if (!found) return pop_frame(frame);
  // Frames pushed while we spun had no wake-up: if more than the one taken
  // are waiting, wake a sibling for them.
  for (const auto& queue : frame_queues)
    if (queue->size_approx() > 0) {
      work_available.post();
      break;
    }
  return true;
}

// The worker's own node first: its frames' memory is local. Then the other
// nodes', in turn, so that frames of a node without (awake) workers never starve.
bool Engine::Impl::pop_frame(Frame*& frame) noexcept {
  const std::size_t nodes = frame_queues.size();
  const std::size_t home = current_node();
  for (std::size_t k = 0; k < nodes; ++k) {
    const std::size_t node = home + k < nodes ? home + k : home + k - nodes;
    if (frame_queues[node]->try_pop(frame)) return true;
  }
  return false;
}

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
