// Engine::query: a snapshot of one stream taken in ingest order by the
// pipeline itself (pipeline/query_ticket.hpp, docs/ARCHITECTURE.md "Reading
// while writing"), then an Arrow C stream over it (query/query_stream.hpp).
#include <cstring>
#include <new>

#include "core/names.hpp"
#include "pipeline/engine_impl.hpp"
#include "pipeline/frame_validation.hpp"
#include "query/query_memory.hpp"
#include "query/query_stream.hpp"

namespace simingest {

namespace {

using pipeline::Frame;

// Lets go of a ticket's holds on frames, however the query ends.
struct HeldFrames {
  Engine::Impl& impl;
  std::vector<Frame*>& frames;
  ~HeldFrames() {
    for (Frame* frame : frames) impl.release_frame(frame);
    frames.clear();
  }
};

// Copies the selected rows of the held frames (selected frames, selected
// columns) into one block the snapshot owns: the engine's buffers go back to
// the pipeline before the query returns, so a result never pins them and may
// outlive the ingestor.
void copy_held_frames(const std::vector<Frame*>& held, const query::ResolvedQuery& resolved,
                      const StreamConfig& config, uint64_t limit, query::StreamSnapshot& snapshot) {
  std::vector<const Frame*> selected;
  selected.reserve(held.size());
  uint64_t bytes = 0;
  for (const Frame* frame : held) {
    if (!resolved.selects(frame->step, frame->time)) continue;
    selected.push_back(frame);
    for (const auto& column : resolved.columns) {
      const bool scalar = frame->columns[column.declared_index].is_scalar;
      const uint64_t count = scalar ? 1 : frame->rows;
      bytes += (count * dtype_size(column.dtype) + 63) / 64 * 64;
    }
  }
  if (selected.empty()) return;
  if (bytes > limit)
    throw Error(Status::resource_limit,
                "stream " + quote_name(config.name) + ": query: the frames still in memory that it selects take " +
                    std::to_string(bytes) + " bytes, more than queryMemoryLimit (" + std::to_string(limit) +
                    " bytes): narrow the query or raise queryMemoryLimit");
  std::shared_ptr<unsigned char> block(static_cast<unsigned char*>(::operator new(bytes + 64, std::align_val_t{64})),
                                       [](unsigned char* p) { ::operator delete(p, std::align_val_t{64}); });
  unsigned char* cursor = block.get();
  const std::size_t ndeclared = config.columns.size();
  snapshot.frames.reserve(selected.size());
  for (const Frame* frame : selected) {
    query::MemoryFrame out;
    out.step = frame->step;
    out.time = frame->time;
    out.rows = frame->rows;
    out.columns.assign(ndeclared, nullptr);
    out.is_scalar.assign(ndeclared, false);
    for (const auto& column : resolved.columns) {
      const auto& source = frame->columns[column.declared_index];
      const uint64_t count = source.is_scalar ? 1 : frame->rows;
      const uint64_t size = count * dtype_size(column.dtype);
      if (size != 0) std::memcpy(cursor, source.data, size);
      out.columns[column.declared_index] = cursor;
      out.is_scalar[column.declared_index] = source.is_scalar;
      cursor += (size + 63) / 64 * 64;
    }
    out.owner = block;
    snapshot.frames.push_back(std::move(out));
  }
}

}  // namespace

Status Engine::query(const char* stream_name, const query::QuerySpec& spec, ArrowArrayStream* out,
                     std::string& message) noexcept {
  Impl& impl = *impl_;
  try {
    if (impl.closed.load(std::memory_order_acquire)) {
      message = "the ingestor is closed";
      return Status::closed;
    }
    if (impl.failure.failed()) return impl.failure.get(message);
    Status found = Status::ok;
    pipeline::StreamState* const lookup = pipeline::lookup_stream(impl.stream_index, stream_name, found, message);
    if (lookup == nullptr) return found;
    pipeline::StreamState& stream = *lookup;
    query::ResolvedQuery resolved = query::resolve_query(stream.config, spec);
    const uint64_t limit = spec.memory_limit != 0 ? spec.memory_limit : impl.config.query_memory_limit;

    pipeline::QueryTicket ticket;
    HeldFrames holds{impl, ticket.frames};
    impl.admission.enqueue_marker(stream, Frame::Kind::query, nullptr, &ticket);
    const Status status = ticket.wait(message);
    if (status != Status::ok) return status;

    query::StreamSnapshot snapshot;
    snapshot.stream = stream.config.name;
    snapshot.config = stream.config;
    snapshot.files = std::move(ticket.files);
    copy_held_frames(ticket.frames, resolved, stream.config, limit, snapshot);
    query::make_query_stream(std::move(snapshot), std::move(resolved), limit, impl.footers, out);
    return Status::ok;
  } catch (const Error& e) {
    message = e.what();
    return e.status();
  } catch (const std::bad_alloc&) {
    message = "out of memory starting a query";
    return Status::out_of_memory;
  } catch (const std::exception& e) {
    message = std::string("internal error starting a query: ") + e.what();
    return Status::internal;
  }
}

}  // namespace simingest
