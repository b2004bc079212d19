// Rows one call each through the appender (issue 15 item 4, ADR 0021), as a
// C++ solver logging eight float64 diagnostics per step would: include/
// simingest.hpp only. Times the append loop (the host's cost) and the whole
// run to a committed, closed dataset; bench/python/bench_appender.py
// --verify reads the rows back with pyarrow.
//
// Usage: appender_bench OUT_DIR ROWS [HANDOFF_ROWS]   -> one JSON line.
// HANDOFF_ROWS sets the stream's appender.rows (the configuration default
// when absent): docs/PERFORMANCE.md "Issue 15 goal 4" compares hand-off sizes
// that fit the L2 cache with the default.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "simingest.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: appender_bench OUT_DIR ROWS [HANDOFF_ROWS]\n");
    return 2;
  }
  const std::string out = argv[1];
  const int64_t rows = std::atoll(argv[2]);
  const std::string appender = argc == 4 ? std::string(R"(, "appender": {"rows": )") + argv[3] + "}" : "";
  const std::string config = R"({"streams": {"joints": {"columns": {
      "q0": "float64", "q1": "float64", "q2": "float64", "q3": "float64",
      "q4": "float64", "q5": "float64", "q6": "float64", "q7": "float64"})" + appender + "}}}";
  try {
    const auto start = std::chrono::steady_clock::now();
    simingest::Ingestor ingestor(out, config);
    simingest::Appender joints = ingestor.appender("joints");
    const auto loop = std::chrono::steady_clock::now();
    double q[8];
    for (int64_t step = 0; step < rows; ++step) {
      // The values bench_appender.py --verify expects: step * 1.5 + j / 8.
      const double base = static_cast<double>(step) * 1.5;
      for (int j = 0; j < 8; ++j) q[j] = base + j * 0.125;
      joints.append(step, static_cast<double>(step) * 0.001, q);
    }
    const double append_seconds = seconds_since(loop);
    joints.close();
    ingestor.close();  // flush: committed, fsynced, in the manifest
    const double total_seconds = seconds_since(start);
    std::printf("{\"host\": \"cpp\", \"rows\": %lld, \"appendSeconds\": %.6f, \"totalSeconds\": %.6f, "
                "\"appendRowsPerSecond\": %.0f, \"rowsPerSecond\": %.0f}\n",
                static_cast<long long>(rows), append_seconds, total_seconds, rows / append_seconds,
                rows / total_seconds);
  } catch (const simingest::Error& e) {
    std::fprintf(stderr, "appender_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
