// Open-time cost of verifying committed files (verifyOnOpen "footer" vs
// "full", docs/RELIABILITY.md): writes a dataset of about 1 GiB once, then
// times storage::Dataset::open with each mode, with the files in the page
// cache (warm) and evicted from it first (cold, posix_fadvise DONTNEED),
// and the CRC-32C kernel's throughput at each SIMD level.
//
//   verify_open_bench DIR [GIB] [REPEATS]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.hpp"
#include "kernels/crc32c.hpp"
#include "pipeline/engine.hpp"
#include "storage/dataset.hpp"

namespace {

using namespace simingest;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void write_dataset(const std::string& root, double gib) {
  // 64 MiB files, no compression: the bytes on disk are the bytes ingested.
  auto engine = Engine::open(root, R"({"streams":{"f":{"columns":{"v":"float64"}}},"compression":{"codec":"none"},)"
                                   R"("fileBytes":67108864,"workers":2})");
  std::vector<double> values(1 << 20);  // 8 MiB frames
  std::mt19937_64 random(1);
  for (double& v : values) v = static_cast<double>(random() >> 11) * 0x1p-53;
  const auto frames = static_cast<int64_t>(gib * 1024 / 8);
  std::string message;
  for (int64_t step = 0; step < frames; ++step) {
    values[0] = static_cast<double>(step);
    simingest_column column{"v", SIMINGEST_FLOAT64, values.data(), values.size()};
    if (engine->ingest("f", step, static_cast<double>(step), &column, 1, false, message) != Status::ok) {
      std::fprintf(stderr, "ingest: %s\n", message.c_str());
      std::exit(1);
    }
  }
  engine->close();
}

void evict(const std::string& root, const std::vector<storage::ManifestFile>& files) {
  for (const auto& file : files) {
    const std::string path = root + "/" + file.path;
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [GIB] [REPEATS]\n", argv[0]);
    return 2;
  }
  const std::string root = argv[1];
  const double gib = argc > 2 ? std::atof(argv[2]) : 1.0;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 5;

  if (!std::filesystem::exists(root + "/_simingest/manifest.json")) {
    const auto start = Clock::now();
    write_dataset(root, gib);
    std::printf("wrote %s in %.1f s\n", root.c_str(), seconds_since(start));
  }
  std::vector<storage::ManifestFile> files = storage::Dataset::open(root)->files();
  uint64_t bytes = 0;
  for (const auto& file : files) bytes += file.bytes;
  std::printf("dataset: %zu files, %.3f GiB\n", files.size(), static_cast<double>(bytes) / (1 << 30));

  for (bool cold : {false, true}) {
    for (bool full : {false, true}) {
      std::vector<double> times;
      for (int i = 0; i < repeats; ++i) {
        if (cold) evict(root, files);
        storage::OpenOptions options;
        options.verify_full = full;
        const auto start = Clock::now();
        auto dataset = storage::Dataset::open(root, options);
        times.push_back(seconds_since(start));
      }
      std::sort(times.begin(), times.end());
      std::printf("open verifyOnOpen=%-6s %-4s cache: median %8.2f ms  min %8.2f ms  (%d runs)\n",
                  full ? "full" : "footer", cold ? "cold" : "warm", times[times.size() / 2] * 1e3, times[0] * 1e3,
                  repeats);
    }
  }

  std::vector<unsigned char> buffer(256u << 20);
  std::mt19937_64 random(2);
  for (auto& byte : buffer) byte = static_cast<unsigned char>(random());
  for (kernels::SimdLevel level : {kernels::SimdLevel::scalar, kernels::SimdLevel::sse}) {
    if (kernels::supported_simd_level(level) != level) continue;
    double best = 1e9;
    uint32_t crc = 0;
    for (int i = 0; i < 3; ++i) {
      const auto start = Clock::now();
      crc ^= kernels::crc32c_extend_at(level, 0, buffer.data(), buffer.size());
      best = std::min(best, seconds_since(start));
    }
    std::printf("crc32c %-6s: %6.2f GB/s (%08x)\n", std::string(kernels::simd_level_name(level)).c_str(),
                static_cast<double>(buffer.size()) / best / 1e9, crc);
  }
  return 0;
}
