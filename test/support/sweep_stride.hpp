// How many crash points a crash-point sweep steps over: every one in the plain
// build, every `sanitized`-th in a sanitizer build (several times slower; the
// plain build of CI runs the full sweep). SIMINGEST_SWEEP_STRIDE overrides both.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "support/sanitizers.hpp"

namespace simingest::testing_support {

inline uint64_t sweep_stride(uint64_t sanitized) {
  if (const char* text = std::getenv("SIMINGEST_SWEEP_STRIDE")) return static_cast<uint64_t>(std::max(1, std::atoi(text)));
  return kSanitized ? sanitized : 1;
}

}  // namespace simingest::testing_support
