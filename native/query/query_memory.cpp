#include "query/query_memory.hpp"

#include <string>

#include "core/status.hpp"

namespace simingest::query {

void QueryMemory::take(uint64_t bytes) {
  uint64_t held = held_.load(std::memory_order_acquire);
  for (;;) {
    if (bytes > limit_ || held > limit_ - bytes)
      throw Error(Status::resource_limit,
                  "query: a batch of " + std::to_string(bytes) + " bytes would exceed the query memory limit of " +
                      std::to_string(limit_) + " bytes (" + std::to_string(held) +
                      " bytes are held by batches not yet released): release batches before asking for "
                      "the next, read with a scan, or raise queryMemoryLimit (memory_limit of the query spec)");
    if (held_.compare_exchange_weak(held, held + bytes, std::memory_order_acq_rel)) return;
  }
}

}  // namespace simingest::query
