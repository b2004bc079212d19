#include "pipeline/thread_start.hpp"

#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <system_error>
#include <utility>

#include "core/status.hpp"

namespace simingest::pipeline {

namespace {

// 0: no failure planned. Otherwise the start number that fails.
std::atomic<uint64_t> g_fail_at{0};
std::atomic<uint64_t> g_starts{0};

}  // namespace

std::thread start_thread(const std::string& what, const char* os_name, std::function<void()> body) {
  try {
    const uint64_t fail_at = g_fail_at.load(std::memory_order_acquire);
    if (fail_at != 0 && g_starts.fetch_add(1, std::memory_order_acq_rel) + 1 == fail_at)
      throw std::system_error(EAGAIN, std::generic_category());
    return std::thread([os_name, body = std::move(body)] {
      ::pthread_setname_np(::pthread_self(), os_name);
      body();
    });
  } catch (const std::system_error& e) {
    throw Error(Status::resource_limit,
                "could not start " + what + ": " + e.code().message() +
                    " (the system refused a new thread: see ulimit -u, kernel.threads-max, the cgroup's pids.max)");
  }
}

ScopedThreadStartFailure::ScopedThreadStartFailure(uint64_t nth) noexcept {
  g_starts.store(0, std::memory_order_release);
  g_fail_at.store(nth, std::memory_order_release);
}

ScopedThreadStartFailure::~ScopedThreadStartFailure() { g_fail_at.store(0, std::memory_order_release); }

uint64_t ScopedThreadStartFailure::starts() const noexcept { return g_starts.load(std::memory_order_acquire); }

}  // namespace simingest::pipeline
