// libFuzzer's entry point for one harness, chosen when it is compiled
// (SIMINGEST_FUZZ_HARNESS, set by test/fuzz/CMakeLists.txt). A finding is
// printed and becomes an abort, which libFuzzer records as a crash together
// with the input that caused it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/harnesses.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string finding = simingest::fuzz::SIMINGEST_FUZZ_HARNESS(data, size);
  if (!finding.empty()) {
    std::fprintf(stderr, "\n== simingest fuzz finding: %s\n", finding.c_str());
    std::abort();
  }
  return 0;
}
