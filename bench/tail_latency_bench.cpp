// Cross-process tail latency (issue 13: "to another process tailing the log:
// p99 ≤ 20 ms with syncEveryMs: 5"). This process creates a dataset with one
// realtime stream, subscribes to its log with simingest_dataset_subscribe(),
// then starts a writer (this binary again, `writer` mode) that ingests
// one-row frames at a fixed rate. Each frame carries CLOCK_MONOTONIC (one
// clock for every process of the machine) read just before its ingest()
// call; the reader takes the clock in its callback. Latency = receive time -
// that stamp, so it includes ingest() itself (microseconds for a realtime frame).
//
//   tail_latency_bench <dir> [frames=3000] [rate_hz=500]     prints one JSON line
// SIMINGEST_TAIL_POLL_MS=N in the environment measures the polling fallback.
// Numbers are reported, never asserted.
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "simingest.h"

namespace {

const char* kConfig =
    R"({"workers":1,"streams":{"tick":{"columns":{"sent_ns":"int64","value":"float64"},"route":"realtime",)"
    R"("realtime":{"syncEveryMs":5}}}})";

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "tail_latency_bench: %s\n", what.c_str());
  std::exit(1);
}

// Writer mode: waits for one byte on stdin (the reader has subscribed), then
// ingests `frames` frames at `rate` per second, paced on absolute deadlines.
int write_frames(const char* dir, int64_t frames, double rate) {
  char go = 0;
  if (::read(0, &go, 1) != 1) die("writer: no start signal");
  simingest_ingestor* ingestor = nullptr;
  char* error = nullptr;
  if (simingest_open(dir, kConfig, &ingestor, &error) != SIMINGEST_OK) die(std::string("writer: open: ") + (error ? error : ""));
  const int64_t period = static_cast<int64_t>(1e9 / rate);
  const int64_t start = now_ns();
  for (int64_t step = 0; step < frames; ++step) {
    const int64_t due = start + step * period;
    timespec at{static_cast<time_t>(due / 1000000000), static_cast<long>(due % 1000000000)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
    const int64_t sent = now_ns();
    const double value = static_cast<double>(step);
    const simingest_column columns[2] = {{"sent_ns", SIMINGEST_INT64, &sent, SIMINGEST_SCALAR},
                                         {"value", SIMINGEST_FLOAT64, &value, SIMINGEST_SCALAR}};
    if (simingest_ingest(ingestor, "tick", step, static_cast<double>(step), columns, 2) != SIMINGEST_OK)
      die(std::string("writer: ingest: ") + simingest_last_error(ingestor));
  }
  simingest_close(&ingestor);
  return 0;
}

struct Latencies {
  std::mutex mutex;
  std::condition_variable done;
  std::vector<int64_t> ns;
  int64_t expected = 0;
  bool ended = false;
  std::string end_message;
};

int on_frame(void* user, const simingest_subscription_frame* frame, simingest_status, const char* message) {
  const int64_t received = now_ns();
  auto& self = *static_cast<Latencies*>(user);
  std::lock_guard<std::mutex> lock(self.mutex);
  if (frame == nullptr) {
    self.ended = true;
    self.end_message = message;
  } else {
    for (size_t j = 0; j < frame->ncolumns; ++j)
      if (std::string(frame->columns[j].name) == "sent_ns")
        self.ns.push_back(received - *static_cast<const int64_t*>(frame->columns[j].data));
  }
  if (self.ended || static_cast<int64_t>(self.ns.size()) >= self.expected) self.done.notify_all();
  return 0;
}

double percentile_ms(const std::vector<int64_t>& sorted, double p) {
  const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[index]) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 5 && std::string(argv[1]) == "writer") return write_frames(argv[2], std::atoll(argv[3]), std::atof(argv[4]));
  if (argc < 2) die("usage: tail_latency_bench <dir> [frames] [rate_hz]");
  const std::string dir = argv[1];
  const int64_t frames = argc > 2 ? std::atoll(argv[2]) : 3000;
  const double rate = argc > 3 ? std::atof(argv[3]) : 500;

  simingest_ingestor* ingestor = nullptr;  // creates the dataset and the stream's log directory
  char* error = nullptr;
  if (simingest_open(dir.c_str(), kConfig, &ingestor, &error) != SIMINGEST_OK) die(std::string("open: ") + (error ? error : ""));
  simingest_close(&ingestor);

  int go[2];
  if (::pipe(go) != 0) die("pipe");
  const std::string frames_text = std::to_string(frames), rate_text = std::to_string(rate);
  const pid_t child = ::fork();
  if (child < 0) die("fork");
  if (child == 0) {  // nothing but exec between fork and exec
    ::dup2(go[0], 0);
    ::close(go[1]);
    ::execl("/proc/self/exe", argv[0], "writer", dir.c_str(), frames_text.c_str(), rate_text.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(go[0]);

  simingest_dataset* dataset = nullptr;
  if (simingest_dataset_open(dir.c_str(), &dataset, &error) != SIMINGEST_OK) die(std::string("dataset: ") + (error ? error : ""));
  Latencies latencies;
  latencies.expected = frames;
  latencies.ns.reserve(static_cast<size_t>(frames));
  simingest_subscription* subscription = nullptr;
  if (simingest_dataset_subscribe(dataset, "tick", nullptr, &on_frame, &latencies, &subscription) != SIMINGEST_OK)
    die(std::string("subscribe: ") + simingest_dataset_last_error(dataset));
  if (::write(go[1], "g", 1) != 1) die("start signal");
  ::close(go[1]);
  {
    std::unique_lock<std::mutex> lock(latencies.mutex);
    latencies.done.wait(lock, [&] { return latencies.ended || static_cast<int64_t>(latencies.ns.size()) >= frames; });
  }
  simingest_unsubscribe(&subscription);
  simingest_dataset_close(&dataset);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("the writer failed");
  if (static_cast<int64_t>(latencies.ns.size()) != frames) die("the subscription ended early: " + latencies.end_message);

  std::vector<int64_t> sorted = latencies.ns;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (const int64_t v : sorted) sum += static_cast<double>(v);
  const char* poll = std::getenv("SIMINGEST_TAIL_POLL_MS");
  std::printf("{\"frames\":%lld,\"rateHz\":%.0f,\"syncEveryMs\":5,\"watch\":\"%s\",\"p50Ms\":%.3f,\"p90Ms\":%.3f,"
              "\"p99Ms\":%.3f,\"maxMs\":%.3f,\"meanMs\":%.3f}\n",
              static_cast<long long>(frames), rate, poll ? (std::string("poll ") + poll + " ms").c_str() : "inotify",
              percentile_ms(sorted, 0.5), percentile_ms(sorted, 0.9), percentile_ms(sorted, 0.99),
              static_cast<double>(sorted.back()) / 1e6, sum / static_cast<double>(sorted.size()) / 1e6);
  return 0;
}
