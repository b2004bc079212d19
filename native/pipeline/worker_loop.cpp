// A worker's loop: encoding tasks first (they free memory), then frames off
// the queues (its own NUMA node's first), a short spin for the next frame,
// then sleep on the workers' semaphore until a push, a task or close posts.
#include "pipeline/engine_impl.hpp"

namespace simingest {

using pipeline::ChunkTask;
using pipeline::Frame;

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

}  // namespace simingest
