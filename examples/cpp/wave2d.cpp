// wave2d — an explicit 2D wave-equation solver that writes its fields to a
// simingest dataset while it runs, through the C++ RAII layer simingest.hpp.
//
//   u_tt = c^2 (u_xx + u_yy)  on [0, 1] x [0, 1],  u = 0 on the boundary,
//   u(x, y, 0) = a compact bump, u_t(x, y, 0) = 0.
//
// Leapfrog in time, 5-point Laplacian in space, on an ny x nx grid (C order:
// row i is y = i * hy, column j is x = j * hx). With cx2 = (c dt / hx)^2 and
// cy2 = (c dt / hy)^2, for every interior point
//
//   lx   = u[i][j+1] - 2.0 * u[i][j] + u[i][j-1]
//   ly   = u[i+1][j] - 2.0 * u[i][j] + u[i-1][j]
//   next = 2.0 * u[i][j] - prev[i][j] + cx2 * lx + cy2 * ly
//
// and the first step (zero initial velocity) is next = u + 0.5 * (cx2 * lx + cy2 * ly).
// Every operation is written in this order on purpose: test/python/test_cpp_example.py
// re-runs the same scheme in numpy and compares the dataset bit for bit (built
// with -ffp-contract=off, so no fused multiply-add changes a rounding).
//
// Usage: wave2d <dataset> [nx ny steps every]
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <simingest.hpp>

namespace {

struct Grid {
  int nx, ny;
  double hx, hy;
  std::size_t at(int i, int j) const { return static_cast<std::size_t>(i) * nx + j; }
};

// The initial bump: (1 - r^2 / R^2)^2 inside radius R around (0.5, 0.4), else 0.
std::vector<double> initial_field(const Grid& g) {
  const double radius2 = 0.25 * 0.25;
  std::vector<double> u(static_cast<std::size_t>(g.nx) * g.ny, 0.0);
  for (int i = 1; i < g.ny - 1; ++i) {
    for (int j = 1; j < g.nx - 1; ++j) {
      const double dx = j * g.hx - 0.5;
      const double dy = i * g.hy - 0.4;
      const double w = 1.0 - (dx * dx + dy * dy) / radius2;
      u[g.at(i, j)] = w > 0.0 ? w * w : 0.0;
    }
  }
  return u;
}

// One leapfrog step: writes `next` from `u` and `prev` (first: the start-up step).
void step_wave(const Grid& g, double cx2, double cy2, const std::vector<double>& prev,
               const std::vector<double>& u, std::vector<double>& next, bool first) {
  for (int i = 1; i < g.ny - 1; ++i) {
    for (int j = 1; j < g.nx - 1; ++j) {
      const std::size_t k = g.at(i, j);
      const double c = u[k];
      const double lx = u[k + 1] - 2.0 * c + u[k - 1];
      const double ly = u[k + g.nx] - 2.0 * c + u[k - g.nx];
      next[k] = first ? c + 0.5 * (cx2 * lx + cy2 * ly) : 2.0 * c - prev[k] + cx2 * lx + cy2 * ly;
    }
  }
}

int parse_int(const char* text, const char* what) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < 1 || value > 1 << 20) {
    std::fprintf(stderr, "wave2d: %s must be a positive integer, not \"%s\"\n", what, text);
    std::exit(2);
  }
  return static_cast<int>(value);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 6) {
    std::fprintf(stderr, "usage: %s <dataset> [nx ny steps every]\n", argv[0]);
    return 2;
  }
  const int nx = argc == 6 ? parse_int(argv[2], "nx") : 200;
  const int ny = argc == 6 ? parse_int(argv[3], "ny") : 150;
  const int steps = argc == 6 ? parse_int(argv[4], "steps") : 400;
  const int every = argc == 6 ? parse_int(argv[5], "every") : 20;
  if (nx < 3 || ny < 3) {
    std::fprintf(stderr, "wave2d: nx and ny must be at least 3\n");
    return 2;
  }

  const Grid g{nx, ny, 1.0 / (nx - 1), 1.0 / (ny - 1)};
  const double speed = 1.0;
  const double dt = 0.5 * std::min(g.hx, g.hy) / speed;  // CFL 0.5 < 1/sqrt(2)
  const double cx2 = (speed * dt / g.hx) * (speed * dt / g.hx);
  const double cy2 = (speed * dt / g.hy) * (speed * dt / g.hy);

  const std::string config = R"({
    "streams": {
      "fields": {"columns": {"u": "float64"}, "grid": [)" + std::to_string(ny) + ", " +
                             std::to_string(nx) + R"(],
                 "partition": {"steps": )" + std::to_string(10 * every) + R"(}},
      "diagnostics": {"columns": {"energy": {"dtype": "float64", "nonFinite": "reject"},
                                  "max_abs": "float64", "cells_moving": "int32"}}
    },
    "compression": {"codec": "zstd", "level": 3},
    "memoryLimit": 67108864,
    "workers": 2,
    "backpressure": "block"
  })";

  try {
    simingest::Ingestor ingestor(argv[1], config);
    std::vector<double> u = initial_field(g);
    std::vector<double> prev = u;  // at rest: the first step does not read it, the energy sees v = 0
    std::vector<double> next(u.size(), 0.0);

    for (int step = 0; step <= steps; ++step) {
      const double time = step * dt;
      if (step % every == 0) ingestor.ingest("fields", step, time, {simingest::array("u", u)});

      // A discrete energy (kinetic from the last two levels, plus potential),
      // and how much of the grid is moving: whole-frame scalars.
      double energy = 0.0;
      double max_abs = 0.0;
      int32_t moving = 0;
      for (std::size_t k = 0; k < u.size(); ++k) {
        const double v = (u[k] - prev[k]) / dt;
        energy += 0.5 * v * v * g.hx * g.hy;
        max_abs = std::max(max_abs, std::fabs(u[k]));
        if (std::fabs(u[k]) > 1e-3) ++moving;
      }
      for (int i = 0; i < ny - 1; ++i) {
        for (int j = 0; j < nx - 1; ++j) {
          const double gx = (u[g.at(i, j + 1)] - u[g.at(i, j)]) / g.hx;
          const double gy = (u[g.at(i + 1, j)] - u[g.at(i, j)]) / g.hy;
          energy += 0.5 * speed * speed * (gx * gx + gy * gy) * g.hx * g.hy;
        }
      }
      ingestor.ingest("diagnostics", step, time,
                      {simingest::scalar("energy", energy), simingest::scalar("max_abs", max_abs),
                       simingest::scalar("cells_moving", moving)});

      if (step == steps) break;
      step_wave(g, cx2, cy2, prev, u, next, step == 0);
      prev.swap(u);  // prev <- u, u <- next
      u.swap(next);
    }
    ingestor.flush();
    std::printf("wave2d: %d steps of %dx%d written to %s\n", steps, ny, nx, argv[1]);
    std::printf("%s\n", ingestor.stats_json().c_str());
    ingestor.close();
  } catch (const simingest::Error& e) {
    std::fprintf(stderr, "wave2d: simingest error %d (%s): %s\n", static_cast<int>(e.status()),
                 simingest::status_string(e.status()), e.what());
    return 1;
  }
  return 0;
}
