// Issue 10: a thread the system refuses (ulimit -u) is a typed
// Error(resource_limit) naming the thread, not ERR_INTERNAL; the threads
// already started are stopped and joined, the lock is released, and nothing
// hangs.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/memory_budget.hpp"
#include "pipeline/thread_start.hpp"
#include "support/scratch_directory.hpp"

namespace simingest {
namespace {

constexpr const char* kConfig = R"({"streams":{"f":{"columns":{"v":"float64"}}},"workers":3})";

void ingest_flush_close(const std::string& root) {
  auto engine = Engine::open(root, kConfig);
  std::vector<double> values(16, 2.5);
  simingest_column column{"v", SIMINGEST_FLOAT64, values.data(), values.size()};
  std::string message;
  ASSERT_EQ(engine->ingest("f", 0, 0.0, &column, 1, false, message), Status::ok) << message;
  engine->flush();
  engine->close();
}

TEST(EngineThreads, each_refused_thread_start_is_a_resource_limit_naming_the_thread) {
  testing_support::ScratchDirectory scratch;
  const std::string root = scratch / "ds";
  // 1 commit thread, then 3 workers, then the commit interval timer (on by default).
  const char* names[] = {"could not start the commit thread", "could not start worker thread 1 of 3",
                         "could not start worker thread 2 of 3", "could not start worker thread 3 of 3",
                         "could not start the commit interval timer"};
  for (uint64_t nth = 1; nth <= 5; ++nth) {
    {
      pipeline::ScopedThreadStartFailure refuse(nth);
      try {
        Engine::open(root, kConfig);
        ADD_FAILURE() << "start " << nth << ": the open succeeded";
      } catch (const Error& e) {
        EXPECT_EQ(e.status(), Status::resource_limit) << "start " << nth << ": " << e.what();
        EXPECT_NE(std::string(e.what()).find(names[nth - 1]), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("Resource temporarily unavailable"), std::string::npos) << e.what();
      }
      EXPECT_EQ(refuse.starts(), nth) << "no thread may be started after the refused one";
    }
    // The lock was released and the dataset is usable.
    ingest_flush_close(root);
  }
}

TEST(EngineThreads, a_refused_backpressure_timer_leaves_no_registered_request) {
  pipeline::MemoryBudget budget(1000);
  ASSERT_TRUE(budget.try_acquire(1000));
  int calls = 0;
  auto callback = [](void* user, simingest_status) { ++*static_cast<int*>(user); };
  {
    pipeline::ScopedThreadStartFailure refuse(1);
    try {
      budget.notify_when_room(500, callback, &calls, /*timeout_ms=*/60000);
      ADD_FAILURE() << "registered without its timer";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::resource_limit) << e.what();
      EXPECT_NE(std::string(e.what()).find("backpressure timer thread"), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(budget.has_waiters());
  budget.release(1000);
  budget.close();
  EXPECT_EQ(calls, 0) << "the caller was told already (notify_room); a second answer would be a double callback";
}

// The real thing: RLIMIT_NPROC. Root ignores it, so the child drops to
// nobody (65534) first; it needs root for that.
TEST(EngineThreads, rlimit_nproc_gives_resource_limit_and_releases_the_lock) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop to uid 65534 (RLIMIT_NPROC binds the current user)";
  testing_support::ScratchDirectory scratch;
  ASSERT_EQ(::chmod(scratch.path().c_str(), 0755), 0);
  const std::string root = scratch / "ds";
  ASSERT_EQ(::mkdir(root.c_str(), 0777), 0);
  ASSERT_EQ(::chown(root.c_str(), 65534, 65534), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_NPROC, &limit) != 0) ::_exit(11);
    struct rlimit low = limit;
    low.rlim_cur = 2;  // this process and one more thread of uid 65534
    if (::setrlimit(RLIMIT_NPROC, &low) != 0) ::_exit(12);
    try {
      Engine::open(root, kConfig);
      ::_exit(13);  // every thread started: the limit did not bite
    } catch (const Error& e) {
      std::fprintf(stderr, "child: %s: %s\n", status_string(e.status()), e.what());
      if (e.status() != Status::resource_limit) ::_exit(14);
    }
    if (::setrlimit(RLIMIT_NPROC, &limit) != 0) ::_exit(15);
    try {
      ingest_flush_close(root);  // the lock was released
    } catch (const Error& e) {
      std::fprintf(stderr, "child: reopen: %s\n", e.what());
      ::_exit(16);
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child did not exit (signal " << WTERMSIG(status) << ")";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10-12: setup, 13: no thread was refused, 14: wrong status, 16: reopen failed";
}

}  // namespace
}  // namespace simingest
