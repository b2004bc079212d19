// Small frames inside a real solver loop (issue 15 goal 3), from C++ through
// the C ABI (include/simingest.h): a planar two-link arm (a double pendulum
// with a joint torque) integrated with semi-implicit Euler, a few
// microseconds per step, then one frame of eight float64 diagnostics built
// per step in a struct, as a solver logs them. Only the simingest_ingest()
// call is timed (clock_gettime(CLOCK_MONOTONIC) around it); every sample is
// kept and the percentiles reported. After the run (untimed) the values are
// written to OUT_DIR.expected.f64 (frames x [time, 8 values] float64,
// native order) for
// bench/python/bench_loop.py verify, which reads the dataset with pyarrow.
//
// Usage: loop_bench OUT_DIR FRAMES [SUBSTEPS]  -> one JSON line.
//   SUBSTEPS: integration substeps per frame (default 64, a few µs); 0 runs
//   the frames back to back (no solver), for comparison.
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "simingest.h"

namespace {

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// The arm's state and the eight diagnostics logged per step.
struct Arm {
  double q1 = 1.2, q2 = -0.4, w1 = 0.0, w2 = 0.0;
};

struct Diagnostics {
  double q1, q2, w1, w2, tip_x, tip_y, energy, torque;
};

constexpr double kDt = 1e-4;  // per substep
constexpr double kG = 9.81, kL1 = 1.0, kL2 = 0.8, kM1 = 1.5, kM2 = 1.0;

// Semi-implicit Euler on the double pendulum's equations of motion, with a
// PD torque at the first joint: velocities from the accelerations at the
// current positions, then positions from the new velocities.
Diagnostics solver_step(Arm& a, int substeps) {
  double torque = 0.0;
  for (int i = 0; i < substeps; ++i) {
    torque = -2.0 * (a.q1 - 0.5) - 0.3 * a.w1;
    const double d = a.q1 - a.q2, s = std::sin(d), c = std::cos(d);
    const double den = 2 * kM1 + kM2 - kM2 * std::cos(2 * d);
    const double a1 = (-kG * (2 * kM1 + kM2) * std::sin(a.q1) - kM2 * kG * std::sin(a.q1 - 2 * a.q2) -
                       2 * s * kM2 * (a.w2 * a.w2 * kL2 + a.w1 * a.w1 * kL1 * c) + torque / kL1) /
                      (kL1 * den);
    const double a2 = (2 * s * (a.w1 * a.w1 * kL1 * (kM1 + kM2) + kG * (kM1 + kM2) * std::cos(a.q1) +
                                a.w2 * a.w2 * kL2 * kM2 * c)) /
                      (kL2 * den);
    a.w1 += kDt * a1;
    a.w2 += kDt * a2;
    a.q1 += kDt * a.w1;
    a.q2 += kDt * a.w2;
  }
  const double x1 = kL1 * std::sin(a.q1), y1 = -kL1 * std::cos(a.q1);
  const double x2 = x1 + kL2 * std::sin(a.q2), y2 = y1 - kL2 * std::cos(a.q2);
  const double v1 = kL1 * a.w1, v2sq = v1 * v1 + kL2 * kL2 * a.w2 * a.w2 + 2 * v1 * kL2 * a.w2 * std::cos(a.q1 - a.q2);
  const double energy = 0.5 * kM1 * v1 * v1 + 0.5 * kM2 * v2sq + kG * (kM1 * y1 + kM2 * y2);
  return {a.q1, a.q2, a.w1, a.w2, x2, y2, energy, torque};
}

struct Percentiles {
  double p50, p99, max, mean;
};

Percentiles percentiles(std::vector<int64_t>& ns) {
  std::sort(ns.begin(), ns.end());
  double sum = 0;
  for (int64_t v : ns) sum += static_cast<double>(v);
  const auto at = [&](double q) { return static_cast<double>(ns[static_cast<size_t>(q * (ns.size() - 1))]); };
  return {at(0.5), at(0.99), static_cast<double>(ns.back()), sum / ns.size()};
}

void print_percentiles(const char* name, const Percentiles& p, bool comma) {
  std::printf("\"%s\": {\"p50\": %.0f, \"p99\": %.0f, \"max\": %.0f, \"mean\": %.1f}%s", name, p.p50, p.p99, p.max,
              p.mean, comma ? ", " : "");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: loop_bench OUT_DIR FRAMES [SUBSTEPS]\n");
    return 2;
  }
  const std::string out = argv[1];
  const int64_t frames = std::atoll(argv[2]);
  const int substeps = argc == 4 ? std::atoi(argv[3]) : 64;
  if (frames <= 0) {
    std::fprintf(stderr, "loop_bench: FRAMES must be positive\n");
    return 2;
  }
  static const char* const kNames[8] = {"q1", "q2", "w1", "w2", "tip_x", "tip_y", "energy", "torque"};
  std::string config = R"({"streams": {"joints": {"columns": {)";
  for (int j = 0; j < 8; ++j) config += std::string(j ? ", " : "") + "\"" + kNames[j] + "\": \"float64\"";
  config += "}}}}";

  simingest_ingestor* ing = nullptr;
  char* error = nullptr;
  if (simingest_open(out.c_str(), config.c_str(), &ing, &error) != SIMINGEST_OK) {
    std::fprintf(stderr, "loop_bench: open: %s\n", error ? error : "?");
    simingest_free(error);
    return 1;
  }
  std::vector<int64_t> ingest_ns(static_cast<size_t>(frames)), solver_ns(static_cast<size_t>(frames));
  struct Row {
    double time;
    Diagnostics values;
  };
  std::vector<Row> expected(static_cast<size_t>(frames));
  Arm arm;
  const int64_t start = now_ns();
  for (int64_t s = 0; s < frames; ++s) {
    const int64_t t0 = now_ns();
    const Diagnostics d = solver_step(arm, substeps);
    // The frame as a solver builds it: columns pointing at this step's struct.
    const simingest_column columns[8] = {
        {"q1", SIMINGEST_FLOAT64, &d.q1, SIMINGEST_SCALAR},       {"q2", SIMINGEST_FLOAT64, &d.q2, SIMINGEST_SCALAR},
        {"w1", SIMINGEST_FLOAT64, &d.w1, SIMINGEST_SCALAR},       {"w2", SIMINGEST_FLOAT64, &d.w2, SIMINGEST_SCALAR},
        {"tip_x", SIMINGEST_FLOAT64, &d.tip_x, SIMINGEST_SCALAR}, {"tip_y", SIMINGEST_FLOAT64, &d.tip_y, SIMINGEST_SCALAR},
        {"energy", SIMINGEST_FLOAT64, &d.energy, SIMINGEST_SCALAR},
        {"torque", SIMINGEST_FLOAT64, &d.torque, SIMINGEST_SCALAR}};
    const int64_t t1 = now_ns();
    const double time = static_cast<double>(s) * kDt * std::max(substeps, 1);
    const simingest_status status = simingest_ingest(ing, "joints", s, time, columns, 8);
    const int64_t t2 = now_ns();
    if (status != SIMINGEST_OK) {
      std::fprintf(stderr, "loop_bench: ingest: %s\n", simingest_last_error(ing));
      simingest_close(&ing);
      return 1;
    }
    solver_ns[static_cast<size_t>(s)] = t1 - t0;
    ingest_ns[static_cast<size_t>(s)] = t2 - t1;
    expected[static_cast<size_t>(s)] = {time, d};
  }
  const int64_t loop_end = now_ns();
  // Close flushes: the frames are committed when it returns.
  const simingest_status closed = simingest_close(&ing);
  if (closed != SIMINGEST_OK) {
    std::fprintf(stderr, "loop_bench: close: %s\n", simingest_status_string(closed));
    return 1;
  }
  const int64_t end = now_ns();
  FILE* f = std::fopen((out + ".expected.f64").c_str(), "wb");
  if (f == nullptr || std::fwrite(expected.data(), sizeof(Row), expected.size(), f) != expected.size() ||
      std::fclose(f) != 0) {
    std::fprintf(stderr, "loop_bench: cannot write %s.expected.f64\n", out.c_str());
    return 1;
  }
  std::printf("{\"host\": \"cpp\", \"frames\": %lld, \"substeps\": %d, \"timeStep\": %.17g, ",
              static_cast<long long>(frames), substeps, kDt * std::max(substeps, 1));
  print_percentiles("ingestNs", percentiles(ingest_ns), true);
  print_percentiles("solverNs", percentiles(solver_ns), true);
  std::printf("\"loopSeconds\": %.6f, \"totalSeconds\": %.6f}\n", (loop_end - start) / 1e9, (end - start) / 1e9);
  return 0;
}
