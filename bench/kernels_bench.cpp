// Micro-benchmark of the hot-loop kernels at every SIMD level this CPU has:
// GB/s of input for 1 MiB (cache-resident) and 64 MiB (memory-bound) arrays.
// Not a test: nothing here asserts a speed. Build in Release:
//   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel --target kernels_bench
//   ./build-rel/bench/kernels_bench [--quick]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/byte_stream_split.hpp"
#include "kernels/column_stats_kernel.hpp"
#include "kernels/cpu_features.hpp"
#include "kernels/non_finite.hpp"
#include "kernels/quantize.hpp"

namespace {

using simingest::Dtype;
using simingest::kernels::SimdLevel;
namespace kernels = simingest::kernels;

volatile uint64_t g_sink = 0;  // keeps results alive

// Best-of-runs throughput of `run` over `bytes` of input, in GB/s (1e9 B/s).
double measure(std::size_t bytes, double seconds, const std::function<void()>& run) {
  using clock = std::chrono::steady_clock;
  run();  // warm caches and page tables
  double best = 0;
  const auto stop = clock::now() + std::chrono::duration<double>(seconds);
  int runs = 0;
  while (clock::now() < stop || runs < 3) {
    const auto t0 = clock::now();
    run();
    const double s = std::chrono::duration<double>(clock::now() - t0).count();
    if (s > 0) best = std::max(best, static_cast<double>(bytes) / s / 1e9);
    ++runs;
  }
  return best;
}

// Smooth finite field values, as a solver produces (a Taylor–Green-like sin product).
template <typename T>
std::vector<T> field(std::size_t count) {
  std::vector<T> v(count);
  const std::size_t side = static_cast<std::size_t>(std::sqrt(static_cast<double>(count))) + 1;
  for (std::size_t i = 0; i < count; ++i)
    v[i] = static_cast<T>(std::sin(0.01 * static_cast<double>(i % side)) * std::cos(0.01 * static_cast<double>(i / side)));
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const double seconds = quick ? 0.05 : 0.3;
  std::vector<SimdLevel> levels;
  for (SimdLevel level : {SimdLevel::scalar, SimdLevel::sse, SimdLevel::avx2})
    if (level <= kernels::detected_simd_level()) levels.push_back(level);

  std::printf("kernels_bench: detected level %s; GB/s of input (best of runs)\n",
              std::string(kernels::simd_level_name(kernels::detected_simd_level())).c_str());
  std::printf("%-34s %8s", "kernel", "size");
  for (SimdLevel level : levels) std::printf(" %9s", std::string(kernels::simd_level_name(level)).c_str());
  std::printf("\n");

  for (std::size_t bytes : {std::size_t{1} << 20, std::size_t{64} << 20}) {
    const char* size = bytes == (std::size_t{1} << 20) ? "1 MiB" : "64 MiB";
    const auto f32 = field<float>(bytes / 4);
    const auto f64 = field<double>(bytes / 8);
    std::vector<int32_t> i32(bytes / 4);
    std::vector<int64_t> i64(bytes / 8);
    std::vector<uint16_t> u16(bytes / 2);
    std::mt19937_64 random(1);
    for (auto& v : i32) v = static_cast<int32_t>(random());
    for (auto& v : i64) v = static_cast<int64_t>(random());
    for (auto& v : u16) v = static_cast<uint16_t>(random());
    std::vector<uint8_t> out(bytes);
    // Rounded in place run after run: every run does the same work (the
    // kernel has no shortcut for values already rounded).
    std::vector<unsigned char> q32(bytes), q64(bytes);
    std::memcpy(q32.data(), f32.data(), bytes);
    std::memcpy(q64.data(), f64.data(), bytes);
    auto quantize = [&](SimdLevel l, Dtype dtype, std::vector<unsigned char>& values, int bits) {
      kernels::QuantizeError error;
      kernels::quantize_mantissa_at(l, dtype, values.data(), bytes / simingest::dtype_size(dtype), bits, error);
      g_sink = g_sink + error.finite;
    };

    struct Row {
      std::string name;
      std::function<void(SimdLevel)> run;
    };
    const std::vector<Row> rows = {
        {"column_stats float32", [&](SimdLevel l) { g_sink = g_sink + kernels::column_stats_kernel_at(l, Dtype::float32, f32.data(), f32.size()).max_bits; }},
        {"column_stats float64", [&](SimdLevel l) { g_sink = g_sink + kernels::column_stats_kernel_at(l, Dtype::float64, f64.data(), f64.size()).max_bits; }},
        {"column_stats int32", [&](SimdLevel l) { g_sink = g_sink + kernels::column_stats_kernel_at(l, Dtype::int32, i32.data(), i32.size()).max_bits; }},
        {"column_stats int64", [&](SimdLevel l) { g_sink = g_sink + kernels::column_stats_kernel_at(l, Dtype::int64, i64.data(), i64.size()).max_bits; }},
        {"column_stats uint16", [&](SimdLevel l) { g_sink = g_sink + kernels::column_stats_kernel_at(l, Dtype::uint16, u16.data(), u16.size()).max_bits; }},
        {"byte_stream_split float32", [&](SimdLevel l) { kernels::byte_stream_split_scatter_at(l, reinterpret_cast<const uint8_t*>(f32.data()), f32.size(), 4, out.data(), f32.size(), 0); g_sink = g_sink + out[7]; }},
        {"byte_stream_split float64", [&](SimdLevel l) { kernels::byte_stream_split_scatter_at(l, reinterpret_cast<const uint8_t*>(f64.data()), f64.size(), 8, out.data(), f64.size(), 0); g_sink = g_sink + out[7]; }},
        {"find_non_finite float32", [&](SimdLevel l) { g_sink = g_sink + kernels::find_non_finite_at(l, Dtype::float32, f32.data(), f32.size()); }},
        {"find_non_finite float64", [&](SimdLevel l) { g_sink = g_sink + kernels::find_non_finite_at(l, Dtype::float64, f64.data(), f64.size()); }},
        {"quantize float32 (10 bits)", [&](SimdLevel l) { quantize(l, Dtype::float32, q32, 10); }},
        {"quantize float64 (20 bits)", [&](SimdLevel l) { quantize(l, Dtype::float64, q64, 20); }},
        {"memcpy (reference)", [&](SimdLevel) { std::memcpy(out.data(), f32.data(), bytes); g_sink = g_sink + out[5]; }},
        {"copy_and_find_non_finite float32", [&](SimdLevel l) { g_sink = g_sink + kernels::copy_and_find_non_finite_at(l, Dtype::float32, out.data(), f32.data(), f32.size()); }},
        {"copy_and_find_non_finite float64", [&](SimdLevel l) { g_sink = g_sink + kernels::copy_and_find_non_finite_at(l, Dtype::float64, out.data(), f64.data(), f64.size()); }},
    };
    for (const Row& row : rows) {
      std::printf("%-34s %8s", row.name.c_str(), size);
      std::fflush(stdout);
      for (SimdLevel level : levels) std::printf(" %9.2f", measure(bytes, seconds, [&] { row.run(level); }));
      std::printf("\n");
    }
  }
  std::printf("(quantize has a scalar and an AVX2 level; at sse it runs the scalar twin)\n");
  std::printf("(scalar copy_and_find_non_finite = memcpy then the scalar scan: the code before the fused kernel)\n");
  return 0;
}
