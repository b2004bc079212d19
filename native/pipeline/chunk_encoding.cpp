// Workers: encode one column chunk of a sealed row group. The last worker to
// finish a row group hands it to the commit thread and returns the frames'
// buffers to the pool: from here on only the encoded pages are held.
#include "core/names.hpp"
#include "kernels/column_stats_kernel.hpp"
#include "pipeline/engine_impl.hpp"

namespace simingest {

using pipeline::Frame;
using pipeline::RowGroup;

namespace {

// An upper bound of a chunk's encoded bytes: values (dictionary chunks: one
// value and one run per segment), zstd's worst-case growth, page headers.
std::size_t chunk_capacity(Dtype dtype, const std::vector<parquet::ValueSegment>& segments,
                           uint64_t page_bytes) {
  uint64_t values = 0;
  bool all_scalar = true;
  for (const auto& segment : segments) {
    all_scalar &= segment.is_scalar;
    values += segment.count;
  }
  const uint64_t width = std::max<uint64_t>(dtype_size(dtype), 4);
  const uint64_t raw = all_scalar ? segments.size() * (width + 16) : values * width;
  const uint64_t pages = raw / std::max<uint64_t>(page_bytes, 1) + 2;
  return static_cast<std::size_t>(raw + raw / 128 + 128 * pages + 256);
}

}  // namespace

void Engine::Impl::encode_chunk(const pipeline::ChunkTask& task, parquet::ColumnChunkEncoder& encoder,
                                  std::vector<parquet::ValueSegment>& segments) {
  RowGroup& group = *task.row_group;
  const pipeline::StreamState& stream = *streams[group.stream];
  const parquet::ColumnDescriptor& column = stream.file_schema.columns[task.column];
  const int64_t started = monotonic_ns();

  segments.clear();
  ColumnStats stats;
  try {
    for (const Frame* frame : group.frames) {
      if (frame->rows == 0) continue;
      if (task.column < 2 && frame->row_steps != nullptr) {
        // Appended rows: step and time are arrays (ADR 0021).
        const void* values = task.column == 0 ? static_cast<const void*>(frame->row_steps)
                                              : static_cast<const void*>(frame->row_times);
        const Dtype dtype = task.column == 0 ? Dtype::int64 : Dtype::float64;
        segments.push_back(parquet::ValueSegment{values, frame->rows, false});
        stats.merge(compute_column_stats(dtype, values, frame->rows), dtype);
      } else if (task.column < 2) {
        const void* value = task.column == 0 ? static_cast<const void*>(&frame->step)
                                             : static_cast<const void*>(&frame->time);
        const Dtype dtype = task.column == 0 ? Dtype::int64 : Dtype::float64;
        segments.push_back(parquet::ValueSegment{value, frame->rows, true});
        stats.merge(scalar_column_stats(dtype, value, frame->rows), dtype);
      } else if (task.column == 2 + stream.config.columns.size()) {
        // The `cell` column of a block: the same indices for every frame.
        segments.push_back(parquet::ValueSegment{stream.cells.data(), frame->rows, false});
        stats.merge(stream.cell_stats, Dtype::int64);
      } else {
        const auto& source = frame->columns[task.column - 2];
        segments.push_back(parquet::ValueSegment{source.data, frame->rows, source.is_scalar});
        stats.merge(source.stats, column.dtype);
      }
    }
    auto& out = group.chunks[task.column];
    // One allocation per chunk, within the frames' encode reservation
    // (frame.hpp): compressed pages never need more than this.
    out.bytes.reserve(chunk_capacity(column.dtype, segments, config.page_bytes));
    // Step and time are one dictionary run per frame, unless appended rows
    // brought arrays of their own values: then a dictionary would hold one
    // entry per row (its hashing was a third of the appender's cost), so the
    // chunk takes the array encoding (DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT;
    // ADR 0021), which every reader decodes like any column.
    bool arrays = false;
    for (const auto& segment : segments) arrays |= !segment.is_scalar;
    if (task.column < 2 && !arrays) {
      encoder.encode_dictionary(column, segments.data(), segments.size(), stats, out);
    } else {
      encoder.encode(column, segments.data(), segments.size(), stats, out);
    }
    stage_encode.record(monotonic_ns() - started);
    stage_compress.record(out.compress_ns);
  } catch (const Error& e) {
    failure.record(e.status(), "stream " + quote_name(stream.config.name) + ": " + e.what());
  } catch (const std::bad_alloc&) {
    failure.record(Status::out_of_memory, "out of memory while encoding a column chunk");
  } catch (const std::exception& e) {
    failure.record(Status::internal, std::string("internal error while encoding: ") + e.what());
  }

  if (group.chunks_pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    release_frames(group);
    commit_writer.submit(&group);
  }
}

void Engine::Impl::release_frames(RowGroup& group) noexcept {
  // Each buffer's charge moves to the pool's cache, or is released.
  for (Frame* frame : group.frames) release_frame(frame);
  group.frames.clear();
}

void Engine::Impl::release_frame(Frame* frame) noexcept {
  // A sealed frame gains no new holds (queries capture only the open row
  // group's), so a count of one is the pipeline's alone: no atomic write on
  // the common path.
  if (frame->holds.load(std::memory_order_acquire) == 1 ||
      frame->holds.fetch_sub(1, std::memory_order_acq_rel) == 1)
    admission.recycle(frame->buffer);
}

}  // namespace simingest
