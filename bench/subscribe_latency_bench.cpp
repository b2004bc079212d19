// In-process subscriber latency (issue 13: "from ingest() returning to an
// in-process subscriber receiving the frame: p50 <= 50 us, p99 <= 1 ms for
// one-row frames at 100 k frames/s").
//
// One host thread ingests one-row frames of a realtime stream at a paced
// rate (spinning to each frame's due time, as a solver between steps would
// be busy, not asleep) through the C ABI, and stores the time ingest()
// returned at index `step`; the subscriber callback, on the engine's delivery
// thread, stores its receive time at the same index. Both arrays are
// preallocated and each is written by one thread only; they are read after
// simingest_close(), which has delivered everything. Latency = receive -
// return. A frame can reach the subscriber before ingest() has returned (it
// is published from inside the call): that counts as 0 and is reported, and
// the latency from the call's start is printed beside it.
// The first `warmup` frames are left out.
//
// Usage: subscribe_latency_bench <scratch dir> [frames] [frames per second] [warmup]
// Prints text lines, then one JSON object as the last line (bench/sections_subscribe.mjs).
#include <simingest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

struct Record {
  std::vector<int64_t> called_ns;    // host thread
  std::vector<int64_t> returned_ns;  // host thread
  std::vector<int64_t> received_ns;  // delivery thread; 0: not received (dropped)
  uint64_t dropped = 0;              // delivery thread: sum of dropped_before
};

int on_frame(void* user, const simingest_subscription_frame* frame, simingest_status, const char*) {
  if (frame == nullptr) return 0;
  const int64_t t = now_ns();
  auto* record = static_cast<Record*>(user);
  record->dropped += frame->dropped_before;
  const auto step = static_cast<size_t>(frame->step);
  if (step < record->received_ns.size()) record->received_ns[step] = t;
  return 0;
}

void check(simingest_status status, simingest_ingestor* ingestor, const char* what) {
  if (status == SIMINGEST_OK) return;
  std::fprintf(stderr, "%s: %s: %s\n", what, simingest_status_string(status),
               ingestor != nullptr ? simingest_last_error(ingestor) : "");
  std::exit(1);
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[index];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <scratch dir> [frames] [frames per second] [warmup]\n", argv[0]);
    return 2;
  }
  const std::string dir = std::string(argv[1]) + "/latency";
  const long frames = argc > 2 ? std::atol(argv[2]) : 1000000;
  const double rate = argc > 3 ? std::atof(argv[3]) : 100000;
  const long warmup = argc > 4 ? std::atol(argv[4]) : std::min(frames / 10, 10000L);
  if (frames <= warmup || rate <= 0) {
    std::fprintf(stderr, "need frames > warmup and a positive rate\n");
    return 2;
  }
  std::filesystem::remove_all(dir);

  // The realtime log's defaults but codec null, as realtime_log_bench.
  const char* config = R"({"workers":1,"streams":{"diag":{"columns":{"e":"float64","n":"int32"},)"
                       R"("route":"realtime","realtime":{"codec":"null"}}}})";
  simingest_ingestor* ingestor = nullptr;
  char* error = nullptr;
  if (simingest_open(dir.c_str(), config, &ingestor, &error) != SIMINGEST_OK) {
    std::fprintf(stderr, "open: %s\n", error != nullptr ? error : "");
    return 1;
  }
  Record record;
  record.called_ns.assign(static_cast<size_t>(frames), 0);
  record.returned_ns.assign(static_cast<size_t>(frames), 0);
  record.received_ns.assign(static_cast<size_t>(frames), 0);  // touched now, not in the callback
  simingest_subscribe_options options = SIMINGEST_SUBSCRIBE_OPTIONS_INIT;
  simingest_subscription* subscription = nullptr;
  check(simingest_subscribe(ingestor, "diag", &options, &on_frame, &record, &subscription), ingestor, "subscribe");

  const double period_ns = 1e9 / rate;
  const int64_t start = now_ns();
  for (long step = 0; step < frames; ++step) {
    const auto due = start + static_cast<int64_t>(static_cast<double>(step) * period_ns);
    while (now_ns() < due) {
    }
    const double e = 0.5 * static_cast<double>(step);
    const int32_t n = static_cast<int32_t>(step);
    const simingest_column columns[2] = {{"e", SIMINGEST_FLOAT64, &e, SIMINGEST_SCALAR},
                                         {"n", SIMINGEST_INT32, &n, SIMINGEST_SCALAR}};
    record.called_ns[static_cast<size_t>(step)] = now_ns();
    check(simingest_ingest(ingestor, "diag", step, static_cast<double>(step), columns, 2), ingestor, "ingest");
    record.returned_ns[static_cast<size_t>(step)] = now_ns();
  }
  const double achieved = static_cast<double>(frames) * 1e9 / static_cast<double>(now_ns() - start);
  check(simingest_close(&ingestor), nullptr, "close");  // delivers every queued frame first
  simingest_unsubscribe(&subscription);

  std::vector<double> latency_us, from_call_us;
  latency_us.reserve(static_cast<size_t>(frames - warmup));
  from_call_us.reserve(static_cast<size_t>(frames - warmup));
  long missing = 0, before_return = 0;
  for (long step = warmup; step < frames; ++step) {
    const int64_t received = record.received_ns[static_cast<size_t>(step)];
    if (received == 0) {
      ++missing;
      continue;
    }
    const int64_t delta = received - record.returned_ns[static_cast<size_t>(step)];
    if (delta < 0) ++before_return;
    latency_us.push_back(static_cast<double>(std::max<int64_t>(delta, 0)) / 1e3);
    from_call_us.push_back(static_cast<double>(received - record.called_ns[static_cast<size_t>(step)]) / 1e3);
  }
  std::sort(latency_us.begin(), latency_us.end());
  std::sort(from_call_us.begin(), from_call_us.end());
  const double call_p50 = percentile(from_call_us, 0.50), call_p99 = percentile(from_call_us, 0.99);
  const double p50 = percentile(latency_us, 0.50), p99 = percentile(latency_us, 0.99);
  const double p999 = percentile(latency_us, 0.999);
  const double max = latency_us.empty() ? 0 : latency_us.back();
  std::printf("one-row frames: %ld at %.0f/s requested, %.0f/s achieved (first %ld left out)\n", frames, rate,
              achieved, warmup);
  std::printf("ingest() return -> subscriber callback: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us\n", p50,
              p99, p999, max);
  std::printf("ingest() call -> subscriber callback:   p50 %.1f us, p99 %.1f us\n", call_p50, call_p99);
  std::printf("frames not received %ld (dropped_before total %llu), received before ingest() returned %ld\n", missing,
              static_cast<unsigned long long>(record.dropped), before_return);
  std::printf(
      "{\"frames\":%ld,\"warmup\":%ld,\"requestedFramesPerSecond\":%.0f,\"achievedFramesPerSecond\":%.0f,"
      "\"p50Us\":%.3f,\"p99Us\":%.3f,\"p999Us\":%.3f,\"maxUs\":%.3f,\"missing\":%ld,\"droppedBefore\":%llu,"
      "\"beforeReturn\":%ld,\"fromCallP50Us\":%.3f,\"fromCallP99Us\":%.3f}\n",
      frames, warmup, rate, achieved, p50, p99, p999, max, missing, static_cast<unsigned long long>(record.dropped),
      before_return, call_p50, call_p99);
  std::filesystem::remove_all(dir);
  return 0;
}
