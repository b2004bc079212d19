// Engine::query: a snapshot of one stream taken in ingest order by the
// pipeline itself (pipeline/query_ticket.hpp, docs/ARCHITECTURE.md "Reading
// while writing"), then an Arrow C stream over it (query/query_stream.hpp).
#include <algorithm>
#include <new>

#include "core/names.hpp"
#include "pipeline/engine_impl.hpp"
#include "pipeline/frame_validation.hpp"
#include "query/memory_batches.hpp"
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

// Makes the result's batches of the held frames (selected frames, selected
// columns): one copy, straight from the engine's buffers into the batches'
// own, step and time filled per frame. The engine's buffers go back to the
// pipeline before the query returns, so a result never pins them and may
// outlive the ingestor. The batches count against the query's memory from
// here (a selection that does not fit fails the query with resource_limit).
void make_held_batches(const std::vector<Frame*>& held, const query::ResolvedQuery& resolved,
                       const StreamConfig& config, const std::vector<int64_t>& cells,
                       const std::shared_ptr<query::QueryMemory>& memory, query::StreamSnapshot& snapshot) {
  // Views of the held frames, valid while they are held.
  std::vector<query::MemoryFrame> views;
  views.reserve(held.size());
  const std::size_t ndeclared = config.columns.size();
  // One view of `rows` rows from `first` on, all of one step and time.
  const auto add_view = [&](const Frame* frame, int64_t step, double time, uint64_t first, uint64_t rows) {
    if (!resolved.selects(step, time)) return;
    query::MemoryFrame view;
    view.step = step;
    view.time = time;
    view.rows = rows;
    // A block's `cell` column follows the declared ones (the engine's, not the
    // frame's); grid streams take no appender, so `first` is 0 where it exists.
    view.columns.assign(ndeclared + (cells.empty() ? 0 : 1), nullptr);
    view.is_scalar.assign(view.columns.size(), false);
    for (const auto& column : resolved.columns) {
      if (column.declared_index == ndeclared) {
        view.columns[ndeclared] = reinterpret_cast<const unsigned char*>(cells.data());
        continue;
      }
      const auto& source = frame->columns[column.declared_index];
      const std::size_t offset = source.is_scalar ? 0 : first * dtype_size(config.columns[column.declared_index].dtype);
      view.columns[column.declared_index] = static_cast<const unsigned char*>(source.data) + offset;
      view.is_scalar[column.declared_index] = source.is_scalar;
    }
    views.push_back(std::move(view));
  };
  for (const Frame* frame : held) {
    if (frame->row_steps == nullptr) {
      add_view(frame, frame->step, frame->time, 0, frame->rows);
      continue;
    }
    // Appended rows (ADR 0021): each row is a frame of its own step and time.
    for (uint64_t r = 0; r < frame->rows; ++r) add_view(frame, frame->row_steps[r], frame->row_times[r], r, 1);
  }
  std::size_t next = 0;
  while (auto batch = query::next_memory_batch(views, next, resolved, memory, config.name))
    snapshot.batches.push_back(std::move(batch));
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
    // Files of an older schema version may lack a column: its rows from them
    // are null. Their files share one column list per version: each is seen once.
    const std::vector<query::FileColumn>* seen = nullptr;
    for (const query::FilePart& part : snapshot.files) {
      if (!part.columns || part.columns->empty() || part.columns.get() == seen) continue;
      seen = part.columns.get();
      for (query::OutputColumn& column : resolved.columns)
        column.nullable = column.nullable || std::none_of(seen->begin(), seen->end(), [&](const query::FileColumn& c) {
                            return c.name == column.name;
                          });
    }
    auto memory = std::make_shared<query::QueryMemory>(limit);
    make_held_batches(ticket.frames, resolved, stream.config, stream.cells, memory, snapshot);
    query::make_query_stream(std::move(snapshot), std::move(resolved), std::move(memory), impl.footers, out);
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
