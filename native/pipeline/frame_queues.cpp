// Where workers look for frames, and how one of them spins (ADR 0010).
#include "pipeline/frame_queues.hpp"

namespace simingest::pipeline {

FrameQueues::FrameQueues(std::shared_ptr<const NumaTopology> topology, std::size_t capacity_per_node,
                         Semaphore& wake)
    : topology_(std::move(topology)), wake_(wake) {
  for (std::size_t node = 0; node < topology_->node_count(); ++node)
    queues_.push_back(std::make_unique<MpmcQueue<Frame*>>(capacity_per_node));
}

// The worker's own node first: its frames' memory is local. Then the other
// nodes', in turn, so that frames of a node without (awake) workers never starve.
bool FrameQueues::pop(Frame*& frame) noexcept {
  const std::size_t nodes = queues_.size();
  const std::size_t home = current_node();
  for (std::size_t k = 0; k < nodes; ++k) {
    const std::size_t node = home + k < nodes ? home + k : home + k - nodes;
    if (queues_[node]->try_pop(frame)) return true;
  }
  return false;
}

// One worker at a time spins: with small frames one worker keeps up, and a
// second spinner would only take a core from the host thread. While it spins,
// push() does not post. That is safe because both sides use
// read-modify-writes of `spinning_` (sequentially consistent, and visible to
// ThreadSanitizer, unlike fences): the host pushes, then reads `spinning_`
// with fetch_add(0); the spinner clears it with exchange(0), then looks at
// the queues once more. If the host read 1, its read came before the clear,
// so the clear synchronises with it and the spinner sees the frame; if not,
// the host read 0 and posted.
//
// The spin lasts kSpinWindow of wall time, not a count of pauses (issue 15
// goal 3): a solver that ingests one small frame every few microseconds
// between steps of its own (5-15 µs apart from Python and Node) found the
// spinner asleep at nearly every frame after the old 256 pauses (~3 µs
// here), so its host thread paid a futex wake-up (and often a lock
// hand-over) per frame: 1.4 context switches per frame, p50 5.5-8.4 µs.
// Spinning up to 50 µs keeps one worker awake while frames come at least
// that often; it costs at most one core, and only for 50 µs after the last frame.
bool FrameQueues::spin_pop(Frame*& frame) noexcept {
  int idle = 0;
  if (!spinning_.compare_exchange_strong(idle, 1, std::memory_order_seq_cst)) return false;
  bool found = false;
  const auto deadline = std::chrono::steady_clock::now() + kSpinWindow;
  for (int i = 1; !found; ++i) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    found = pop(frame);
    // The clock is a vDSO read, but still dearer than a look at the queues.
    if (!found && i % 16 == 0) {
      if (std::chrono::steady_clock::now() >= deadline) break;
      // A worker woken by a host's post is often placed on the host's own CPU
      // (the other one busy) and preempts it there; spinning on, it kept the
      // host off its CPU for the whole window: 50-70 µs for ~5 % of a solver
      // loop's frames (issue 15 goal 3, Node, second round). Yielding lets a
      // runnable thread of this CPU go first; alone on it, this returns at once.
      sched_yield();
    }
  }
  spinning_.exchange(0, std::memory_order_seq_cst);
  if (!found) return pop(frame);
  // Frames pushed while we spun had no wake-up: if more than the one taken
  // are waiting, wake a sibling for them.
  for (const auto& queue : queues_)
    if (queue->size_approx() > 0) {
      wake_.post();
      break;
    }
  return true;
}

std::size_t FrameQueues::depth() const noexcept {
  std::size_t depth = 0;
  for (const auto& queue : queues_) depth += queue->size_approx();
  return depth;
}

}  // namespace simingest::pipeline
