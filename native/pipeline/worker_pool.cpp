// Starting, placing and stopping the workers. Placement runs on the worker
// itself, before its loop allocates an encoder, so the encoder's scratch
// memory is first touched (and placed) on the worker's node.
#include "pipeline/worker_pool.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <utility>

#include "core/status.hpp"
#include "pipeline/thread_start.hpp"

namespace simingest::pipeline {

namespace {

// A cpu_set_t sized at run time: machines may have more than CPU_SETSIZE CPUs.
class CpuSet {
 public:
  explicit CpuSet(int cpus) : count_(std::max(cpus, CPU_SETSIZE)), set_(CPU_ALLOC(count_)) {
    if (set_ == nullptr) throw std::bad_alloc();
    CPU_ZERO_S(bytes(), set_);
  }
  ~CpuSet() { CPU_FREE(set_); }
  CpuSet(const CpuSet&) = delete;
  CpuSet& operator=(const CpuSet&) = delete;

  std::size_t bytes() const { return CPU_ALLOC_SIZE(count_); }
  cpu_set_t* get() { return set_; }
  void add(int cpu) { CPU_SET_S(static_cast<std::size_t>(cpu), bytes(), set_); }
  std::vector<int> cpus() const {
    std::vector<int> out;
    for (int cpu = 0; cpu < count_; ++cpu)
      if (CPU_ISSET_S(static_cast<std::size_t>(cpu), bytes(), set_)) out.push_back(cpu);
    return out;
  }

 private:
  int count_;
  cpu_set_t* set_;
};

}  // namespace

std::vector<std::vector<int>> WorkerPool::plan(const AffinityConfig& affinity, const NumaTopology& topology,
                                               unsigned workers) {
  std::vector<std::vector<int>> cpus;
  if (affinity.kind == AffinityConfig::Kind::none) return cpus;
  if (affinity.kind == AffinityConfig::Kind::cpus) {
    for (std::size_t i = 0; i < affinity.cpus.size(); ++i)
      if (!topology.has_cpu(affinity.cpus[i]))
        throw Error(Status::config, "affinity[" + std::to_string(i) + "]: CPU " + std::to_string(affinity.cpus[i]) +
                                        " does not exist (this machine has CPUs " +
                                        format_cpulist(topology.all_cpus()) + ")");
  }
  cpus.resize(workers);
  for (unsigned i = 0; i < workers; ++i) {
    if (affinity.kind == AffinityConfig::Kind::numa) {
      cpus[i] = topology.nodes()[i % topology.node_count()].cpus;
    } else {
      cpus[i] = {affinity.cpus[i % affinity.cpus.size()]};
    }
  }
  return cpus;
}

void WorkerPool::start(unsigned count, std::vector<std::vector<int>> cpus,
                       const std::function<void(unsigned)>& loop) {
  // Sized before any worker runs: worker i writes placements_[i] unlocked.
  for (auto& requested : cpus) placements_.push_back(WorkerPlacement{std::move(requested), {}, {}});
  placements_pending_ = placements_.size();
  threads_.reserve(count);
  for (unsigned i = 0; i < count; ++i)
    threads_.push_back(start_thread("worker thread " + std::to_string(i + 1) + " of " + std::to_string(count), "si-worker",
                                    [this, i, loop] {
                                      if (!placements_.empty()) place(i);
                                      loop(i);
                                    }));
  std::unique_lock<std::mutex> lock(placement_mutex_);
  placement_done_.wait(lock, [this] { return placements_pending_ == 0; });
}

// A refusal (a cgroup cpuset without these CPUs, a CPU gone offline) is
// recorded for stats, never fatal: the worker runs where the scheduler puts it.
void WorkerPool::place(unsigned index) noexcept {
  WorkerPlacement& placement = placements_[index];
  try {
    if (!placement.requested.empty()) {
      CpuSet wanted(placement.requested.back() + 1);
      for (int cpu : placement.requested) wanted.add(cpu);
      const int error = pthread_setaffinity_np(pthread_self(), wanted.bytes(), wanted.get());
      if (error != 0)
        placement.failure = "worker " + std::to_string(index) + ": pthread_setaffinity_np(CPUs " +
                            format_cpulist(placement.requested) + ") failed: " + std::strerror(error);
    }
    // Read back what the kernel applied (it intersects with the cpuset).
    for (int count = CPU_SETSIZE; count <= (1 << 20); count *= 2) {
      CpuSet running(count);
      const int error = pthread_getaffinity_np(pthread_self(), running.bytes(), running.get());
      if (error == EINVAL) continue;  // the kernel's mask is larger than ours
      if (error == 0) placement.running_on = running.cpus();
      break;
    }
  } catch (const std::bad_alloc&) {
    placement.failure = "worker " + std::to_string(index) + ": out of memory while pinning";
  }
  std::lock_guard<std::mutex> lock(placement_mutex_);
  --placements_pending_;
  placement_done_.notify_all();
}

void WorkerPool::stop() {
  stop_.store(true, std::memory_order_release);
  for (std::size_t i = 0; i < threads_.size(); ++i) wake_.post();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

}  // namespace simingest::pipeline
