// What this machine charges for memory a process touches for the first time,
// the cost a fresh engine buffer puts on the thread that copies into it.
// Allocates as the engine's BufferPool does (2 MiB aligned, advised as
// transparent huge pages), writes it once 2 MiB at a time, timing each, then
// writes it again. On bare metal the first write costs the kernel's zeroing of
// each page (~0.2 ms per 2 MiB here once memory has been used); on a virtual
// machine whose guest memory the hypervisor has not yet backed, every first
// touch of a never-used guest page also takes a fault on the host: 4-5 ms per
// 2 MiB measured on the 2-core VM after a reboot (docs/PERFORMANCE_ISSUE15.md).
//
//   first_touch_probe [MiB]   -> one JSON line (default 256 MiB)
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  using clock = std::chrono::steady_clock;
  constexpr std::size_t kPage = std::size_t{2} << 20;
  const long mib = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 256;
  if (mib < 2 || mib > (1 << 20)) {
    std::fprintf(stderr, "usage: first_touch_probe [MiB >= 2]\n");
    return 2;
  }
  const std::size_t bytes = static_cast<std::size_t>(mib) << 20 & ~(kPage - 1);
  auto* memory = static_cast<unsigned char*>(std::aligned_alloc(kPage, bytes));
  if (memory == nullptr) {
    std::fprintf(stderr, "first_touch_probe: cannot allocate %ld MiB\n", mib);
    return 1;
  }
#ifdef MADV_HUGEPAGE
  madvise(memory, bytes, MADV_HUGEPAGE);
#endif
  const auto ms = [](clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  double worst = 0;
  const auto first = clock::now();
  for (std::size_t offset = 0; offset < bytes; offset += kPage) {
    const auto page = clock::now();
    std::memset(memory + offset, 1, kPage);
    worst = std::max(worst, ms(clock::now() - page));
  }
  const double first_ms = ms(clock::now() - first);
  const auto again = clock::now();
  std::memset(memory, 2, bytes);
  const double again_ms = ms(clock::now() - again);
  const double pages = static_cast<double>(bytes / kPage);
  // Read back one byte so the writes cannot be elided.
  const int check = memory[bytes - 1];
  std::free(memory);
  std::printf("{\"mib\":%zu,\"firstTouchMsPer2MiB\":%.4f,\"worstFirstTouchMs\":%.4f,\"rewriteMsPer2MiB\":%.4f,\"check\":%d}\n",
              bytes >> 20, first_ms / pages, worst, again_ms / pages, check);
  return 0;
}
