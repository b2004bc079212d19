// A worker's loop: encoding tasks first (they free memory), then frames off
// the queues (its own NUMA node's first), a short spin for the next frame
// (frame_queues.cpp), then sleep on the workers' semaphore until a push, a
// task or close posts. WorkerPool runs it once the worker is placed, so the
// encoder's scratch memory is first touched on the worker's node.
#include "pipeline/engine_impl.hpp"

namespace simingest {

using pipeline::ChunkTask;
using pipeline::Frame;

void Engine::Impl::run_worker() {
  parquet::EncoderOptions encoder_options;
  encoder_options.codec = config.compression.codec;
  encoder_options.level = config.compression.level;
  encoder_options.page_bytes = static_cast<std::size_t>(config.page_bytes);
  parquet::ColumnChunkEncoder encoder(encoder_options);
  std::vector<parquet::ValueSegment> segments;

  for (;;) {
    // Encoding first: it frees memory; new frames only add to it.
    ChunkTask task{};
    if (chunk_tasks.try_pop(task)) {
      encode_chunk(task, encoder, segments);
      continue;
    }
    Frame* frame = nullptr;
    if (frame_queues.pop(frame)) {
      process_frame(frame);
      continue;
    }
    if (workers.stopping()) return;
    // Small frames arrive microseconds apart: look again for a moment before
    // sleeping, so a stream of them does not cost a futex wake-up per frame.
    if (frame_queues.spin_pop(frame)) {
      process_frame(frame);
      continue;
    }
    work_available.wait();
  }
}

}  // namespace simingest
