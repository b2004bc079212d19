// Runs a test body that could deadlock, aborting the test binary with a
// message if it has not returned in time: a hang must fail the test, not
// stall the suite until ctest's timeout. Test-only.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>

namespace simingest::testing_support {

inline void within(std::chrono::seconds limit, const char* what, const std::function<void()>& body) {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(mutex);
    if (!finished.wait_for(lock, limit, [&] { return done; })) {
      std::fprintf(stderr, "%s did not finish within %lld s (deadlock?)\n", what,
                   static_cast<long long>(limit.count()));
      std::abort();
    }
  });
  body();
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  finished.notify_all();
  watchdog.join();
}

}  // namespace simingest::testing_support
