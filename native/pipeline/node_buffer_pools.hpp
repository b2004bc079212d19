// One BufferPool per NUMA node. A buffer goes back to the pool it came from
// (Buffer::node), so a pool only ever caches memory first touched on its
// node. With one node this is the single pool of old, behind one indirection.
// Thread-safe as each BufferPool is; the set of pools is fixed at construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "pipeline/buffer_pool.hpp"

namespace simingest::pipeline {

class NodeBufferPools {
 public:
  NodeBufferPools(std::size_t nodes, std::size_t cache_limit_per_node) {
    for (std::size_t i = 0; i < nodes; ++i) pools_.push_back(std::make_unique<BufferPool>(cache_limit_per_node));
  }
  Buffer take(std::size_t size, std::size_t node) noexcept {
    Buffer buffer = pools_[node]->take(size);
    buffer.node = static_cast<uint32_t>(node);
    return buffer;
  }
  Buffer allocate(std::size_t size, std::size_t node) {
    Buffer buffer = pools_[node]->allocate(size);
    buffer.node = static_cast<uint32_t>(node);
    return buffer;
  }
  bool put(Buffer buffer) noexcept { return pools_[buffer.node]->put(buffer); }
  std::size_t evict(std::size_t bytes) noexcept {
    std::size_t freed = 0;
    for (auto& pool : pools_)
      if (freed < bytes) freed += pool->evict(bytes - freed);
    return freed;
  }
  std::size_t cached_bytes() const {
    std::size_t total = 0;
    for (const auto& pool : pools_) total += pool->cached_bytes();
    return total;
  }
  const BufferPool& of_node(std::size_t node) const noexcept { return *pools_[node]; }

 private:
  std::vector<std::unique_ptr<BufferPool>> pools_;
};

}  // namespace simingest::pipeline
