// Starting the engine's own threads (workers, commit thread, backpressure
// timer). std::thread's constructor throws std::system_error when the system
// refuses a thread (EAGAIN: RLIMIT_NPROC, kernel.threads-max, a cgroup's
// pids.max); start_thread turns that into Error(resource_limit) naming the
// thread that could not be started, so hosts get a typed status instead of
// ERR_INTERNAL. The caller stops and joins what it already started.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace simingest::pipeline {

// Throws Error(resource_limit) "could not start <what>: <reason>". `os_name`
// (at most 15 characters) names the thread for the system, so per-thread
// profiles (perf --sort comm, /proc/<pid>/task/*/comm) tell the engine's
// threads apart.
std::thread start_thread(const std::string& what, const char* os_name, std::function<void()> body);

// Test-only: while alive, the `nth` start_thread call (1-based, counted from
// construction, in any thread) fails as if the system had refused it (EAGAIN).
class ScopedThreadStartFailure {
 public:
  explicit ScopedThreadStartFailure(uint64_t nth) noexcept;
  ~ScopedThreadStartFailure();
  ScopedThreadStartFailure(const ScopedThreadStartFailure&) = delete;
  ScopedThreadStartFailure& operator=(const ScopedThreadStartFailure&) = delete;
  // start_thread calls seen so far.
  uint64_t starts() const noexcept;
};

}  // namespace simingest::pipeline
