// The frame queues, one bounded lock-free MPMC queue per NUMA node, and the
// policy that wakes workers for them (ADR 0010).
//
// Invariant: every frame pushed is taken by a worker that is awake or will
// be woken. push() posts the workers' semaphore unless a worker spins; the
// spinner clears `spinning_` and then looks at every queue once more. At
// most one worker spins at a time (`spinning_` is 0 or 1).
// Locks: none. The queues are lock-free; `spinning_` is only touched with
// sequentially consistent read-modify-writes, which order a push against a
// spinner's last look (see spin_pop()).
#pragma once

#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "pipeline/frame.hpp"
#include "pipeline/mpmc_queue.hpp"
#include "pipeline/numa_topology.hpp"
#include "pipeline/semaphore.hpp"

namespace simingest::pipeline {

class FrameQueues {
 public:
  // `wake`: the workers' semaphore, also posted for encoding tasks and at close.
  FrameQueues(std::shared_ptr<const NumaTopology> topology, std::size_t capacity_per_node, Semaphore& wake);
  FrameQueues(const FrameQueues&) = delete;
  FrameQueues& operator=(const FrameQueues&) = delete;

  // The node index of the CPU this thread runs on; 0 without a second node.
  // sched_getcpu() is a vDSO/rseq read, cheap enough per frame.
  std::size_t current_node() const noexcept {
    if (queues_.size() == 1) return 0;
    return topology_->node_index_of_cpu(sched_getcpu());
  }

  // Into the queue of the node holding the frame's memory, for that node's
  // workers. Frames in flight are bounded by the budget, so a full queue is brief.
  void push(Frame* frame) noexcept {
    auto& queue = *queues_[frame->buffer.node];
    while (!queue.try_push(frame)) std::this_thread::yield();
    // A spinning worker will take it (spin_pop()). A read-modify-write, not
    // a load: it orders the push before the read.
    if (spinning_.fetch_add(0, std::memory_order_seq_cst) == 0) wake_.post();
  }

  // The calling worker's own node first, then the other nodes' in turn.
  bool pop(Frame*& frame) noexcept;
  // Looks again for up to kSpinWindow if no other worker is spinning.
  bool spin_pop(Frame*& frame) noexcept;
  static constexpr std::chrono::microseconds kSpinWindow{50};

  std::size_t depth() const noexcept;

 private:
  std::shared_ptr<const NumaTopology> topology_;
  std::vector<std::unique_ptr<MpmcQueue<Frame*>>> queues_;
  Semaphore& wake_;
  // 1 while a worker spins for the next frame (at most one does).
  std::atomic<int> spinning_{0};
};

}  // namespace simingest::pipeline
