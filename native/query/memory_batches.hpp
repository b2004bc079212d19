// Record batches of frames still in memory: consecutive selected frames
// gathered up to kMemoryBatchBytes (or one per frame with batch_per_frame),
// each column copied once from the frame into the batch's own buffer and
// step and time filled per frame. The engine makes the batches of its
// in-flight frames with this while it holds them, so the result never pins
// the engine's buffers (query/query_stream.hpp); a hand-made snapshot's
// frames are gathered the same way, lazily.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "query/arrow_export.hpp"
#include "query/query_memory.hpp"
#include "query/query_spec.hpp"
#include "query/snapshot.hpp"

namespace simingest::query {

// Rows of in-memory frames are gathered into batches of about this size.
inline constexpr uint64_t kMemoryBatchBytes = uint64_t{64} << 20;

// The next batch of the frames of `frames` from `next` on that `query`
// selects, taken from `memory`; nullptr when none is left. Advances `next`
// past the frames it took. Throws Error(resource_limit) when the batch does
// not fit in `memory`, Error(internal) naming `stream` if a frame lacks a
// selected column, std::bad_alloc.
std::unique_ptr<BatchBuilder> next_memory_batch(const std::vector<MemoryFrame>& frames, std::size_t& next,
                                                const ResolvedQuery& query, const std::shared_ptr<QueryMemory>& memory,
                                                const std::string& stream);

}  // namespace simingest::query
