// Workers: compute a frame's column statistics, and put frames back in
// ingest order per stream, where consecutive frames of one partition are
// gathered into row groups. A sealed row group becomes one encoding task per
// column, which any worker may take. The loop that feeds them is in
// worker_loop.cpp.
#include <algorithm>

#include "kernels/column_stats_kernel.hpp"
#include "pipeline/engine_impl.hpp"

namespace simingest {

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
      // Before the statistics, so they are those of the stored values.
      pipeline::quantize_frame_column(column, frame->rows, stream.config.columns[j], config.page_bytes,
                                      stream.quantize_errors[j]);
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

namespace {

// Where a stream's sequencer hands what it seals and the seal markers it passes.
struct SequencerSink {
  Engine::Impl& impl;
  const StreamState& stream;
  void sealed(std::unique_ptr<RowGroup> group) { impl.dispatch(stream, std::move(group)); }
  void seal_marker_done() noexcept { impl.admission.seal_marker_done(); }
};

}  // namespace

void Engine::Impl::sequence(Frame* frame) {
  StreamState& stream = *streams[frame->stream];
  const pipeline::StreamSequencer::Limits limits{row_group_target, budget.limit() / 4};
  SequencerSink sink{*this, stream};
  stream.sequencer.accept(frame, stream.index, limits, sink);
}

// Called by the stream's sequencer, with its lock held.
void Engine::Impl::dispatch(const StreamState& stream, std::unique_ptr<RowGroup> group) {
  admission.row_group_sealed();
  if (group->rows == 0) {
    // Nothing to encode (a marker, or frames of zero rows).
    RowGroup* raw = group.release();
    release_frames(*raw);
    commit_writer.submit(raw);
    return;
  }
  const uint32_t nchunks = static_cast<uint32_t>(stream.file_schema.columns.size());
  group->chunks.resize(nchunks);
  group->chunks_pending.store(nchunks, std::memory_order_release);
  chunk_tasks.push_row_group(group.release(), nchunks);
}

}  // namespace simingest
