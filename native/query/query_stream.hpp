// A query's result as an Arrow C stream (arrow.apache.org, "The Arrow C
// stream interface"). Batches are made lazily by get_next, in ingest order:
// one per row group of the snapshot's files (one per frame with
// batch_per_frame), then the in-memory frames (query/memory_batches.hpp),
// then the batches the snapshot holds made already. Nothing is read before the first
// get_next, so a file that cannot be read fails that call, not the query.
//
// get_next fails with EIO (a file cannot be read or is damaged), ENOMEM (the
// query memory limit) or EINVAL, with get_last_error() saying why and
// query_stream_status() giving the typed status; a failed stream stays
// failed. Callbacks may be called from any thread, one at a time (the Arrow
// rule); batches may be released from any thread at any time, even after the
// stream.
#pragma once

#include <cstdint>
#include <memory>

#include "core/status.hpp"
#include "query/footer_cache.hpp"
#include "query/memory_batches.hpp"
#include "query/query_memory.hpp"
#include "query/query_spec.hpp"
#include "query/snapshot.hpp"
#include "simingest.h"

namespace simingest::query {

// Fills `out` with a live stream over `snapshot` selecting `query`, whose
// batches count against a new account of `memory_limit` bytes. `footers`
// caches the footers of committed files (may be shared). Throws nothing but
// std::bad_alloc.
void make_query_stream(StreamSnapshot snapshot, ResolvedQuery query, uint64_t memory_limit,
                       std::shared_ptr<FooterCache> footers, ArrowArrayStream* out);
// The same with the account of `snapshot.batches`, which the stream's other
// batches then share.
void make_query_stream(StreamSnapshot snapshot, ResolvedQuery query, std::shared_ptr<QueryMemory> memory,
                       std::shared_ptr<FooterCache> footers, ArrowArrayStream* out);

// Whether `stream` is a live stream made by make_query_stream (recognised by
// its release callback).
bool is_query_stream(const ArrowArrayStream* stream) noexcept;

// The status of the last failure of a live query stream; Status::ok if none.
Status query_stream_status(const ArrowArrayStream* stream) noexcept;

}  // namespace simingest::query
