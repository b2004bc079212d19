// Compaction of the realtime log (log_compaction.hpp).
#include "pipeline/log_compaction.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "core/column_stats.hpp"
#include "core/names.hpp"
#include "kernels/column_stats_kernel.hpp"
#include "parquet/column_chunk.hpp"
#include "parquet/file_writer.hpp"
#include "pipeline/commit_writer.hpp"
#include "pipeline/frame_validation.hpp"
#include "pipeline/row_group.hpp"
#include "storage/avro_container.hpp"
#include "storage/avro_frame_decoder.hpp"
#include "storage/avro_log_scan.hpp"
#include "storage/durable_io.hpp"
#include "storage/index_statistics.hpp"
#include "storage/mapped_file.hpp"
#include "storage/realtime_log_files.hpp"

namespace simingest::pipeline {

namespace {

namespace avro = storage::avro;

class Compactor {
 public:
  Compactor(storage::Dataset& dataset, StreamState& stream, const Config& config, CompactionCounters& counters)
      : dataset_(dataset), stream_(stream), config_(config), counters_(counters), encoder_(encoder_options(config)),
        decoder_(stream.config) {
    for (const ColumnConfig& column : stream.config.columns) dtypes_.push_back(column.dtype);
    // The log holds the values as ingested, never rounded: a compacted file
    // does not claim the rounding of `quantize` (docs/ON_DISK.md).
    for (const parquet::KeyValue& kv : stream.file_metadata)
      if (kv.key != "simingest.quantize") metadata_.push_back(kv);
  }

  void run(uint64_t below) {
    const std::string& name = stream_.config.name;
    const storage::LogMark start = dataset_.compacted_mark(name);
    mark_ = start;
    std::vector<uint64_t> segments;
    for (uint64_t segment : storage::realtime_log_segments(dataset_.root(), name))
      if (segment < below) segments.push_back(segment);
    const std::string schema = avro::log_schema_json(stream_.config);
    const std::vector<avro::Primitive> columns = avro::log_column_types(stream_.config);
    const std::string dir = storage::realtime_stream_directory(name);
    for (uint64_t segment : segments) {
      if (segment < start.segment) continue;  // behind the mark: only left to delete
      const std::string relative = dir + "/" + storage::realtime_log_name(segment);
      const storage::MappedFile bytes(dataset_.root() + "/" + relative);
      counters_.bytes_in.fetch_add(bytes.size(), std::memory_order_relaxed);
      uint64_t record = 0;
      const uint64_t skip = segment == start.segment ? start.records : 0;
      const avro::LogScan scan = avro::scan_log(
          bytes.data(), bytes.size(), schema, columns,
          [&](const uint8_t* data, std::size_t size) {
            const uint64_t index = record++;
            if (index < skip) return;
            uint64_t rows = 0;
            if (!decoder_.decode_record(data, size, frame_) || !avro::frame_rows(frame_, stream_.grid_rows, rows))
              throw Error(Status::corrupt, relative + ": record " + std::to_string(index) + " does not decode");
            add_frame(storage::LogMark{segment, index}, rows);
            position_ = storage::LogMark{segment, index + 1};
          });
      // Recovery cut torn tails at open and the writer closed the file, so
      // anything but a clean file is damage; nothing of it is moved.
      if (scan.outcome != avro::LogScan::Outcome::clean)
        throw Error(Status::corrupt, relative + ": " + scan.reason);
      position_ = storage::LogMark{segment + 1, 0};  // every record of it is taken
    }
    seal_row_group();
    commit_file();
    if (frames_moved_ > 0 && !(mark_ == position_)) {
      // Only frames of zero rows after the last file: move the mark alone.
      dataset_.mark_compacted(name, position_);
      mark_ = position_;
    }
    if (frames_moved_ > 0) counters_.runs.fetch_add(1, std::memory_order_relaxed);
    retire_segments(segments, dir);
  }

 private:
  static parquet::EncoderOptions encoder_options(const Config& config) {
    parquet::EncoderOptions options;
    options.codec = config.compression.codec;
    options.level = config.compression.level;
    options.page_bytes = static_cast<std::size_t>(config.page_bytes);
    return options;
  }

  int64_t partition_of_frame() const {
    double time_partition = 0;
    if (stream_.config.partition.kind == PartitionConfig::Kind::time)
      time_partition = std::floor(frame_.time / stream_.config.partition.time_span);
    return partition_of(stream_, frame_.step, time_partition);
  }

  uint64_t frame_bytes(uint64_t rows) const {
    uint64_t bytes = 16;
    for (std::size_t j = 0; j < frame_.columns.size(); ++j)
      bytes += rows * dtype_size(dtypes_[j]);
    return bytes;
  }

  // `at`: the frame's position in the log, which becomes the mark of a file
  // committed before it; `rows`: the decoded frame's (avro::frame_rows).
  void add_frame(storage::LogMark at, uint64_t rows) {
    const int64_t partition = partition_of_frame();
    const uint64_t bytes = frame_bytes(rows);
    if (gathered_ != 0 && (partition != group_partition_ || group_bytes_ + bytes > config_.row_group_bytes))
      seal_row_group();
    if (file_ && partition != file_partition_) {
      position_ = at;
      commit_file();
    }
    if (gathered_ == 0) {
      group_partition_ = partition;
      group_bytes_ = 0;
    }
    // The decoder reuses its buffers for the next record: the row group keeps
    // a copy, in slots reused from group to group.
    if (gathered_ == frames_.size()) frames_.emplace_back();
    avro::keep_frame(frame_, rows, frames_[gathered_++]);
    group_bytes_ += bytes;
    ++frames_moved_;
  }

  // Encodes the gathered frames as one row group of the open file (begun if
  // none is), then commits the file if it reached fileBytes.
  void seal_row_group() {
    if (gathered_ == 0) return;
    RowGroup group;
    group.partition = group_partition_;
    group.frame_count = gathered_;
    bool first = true;
    for (std::size_t f = 0; f < gathered_; ++f) {
      const avro::KeptFrame& frame = frames_[f];
      group.frame_spans.push_back(FrameSpan{frame.step, frame.time, frame.rows});
      if (frame.rows == 0) continue;
      group.rows += frame.rows;
      group.step_min = first ? frame.step : std::min(group.step_min, frame.step);
      group.step_max = first ? frame.step : std::max(group.step_max, frame.step);
      group.time_min = first ? frame.time : std::min(group.time_min, frame.time);
      group.time_max = first ? frame.time : std::max(group.time_max, frame.time);
      first = false;
    }
    if (group.rows == 0) {  // frames of zero rows only: they ride with the file
      pending_frames_ += gathered_;
      gathered_ = 0;
      return;
    }
    const auto& schema = stream_.file_schema;
    group.chunks.resize(schema.columns.size());
    for (std::size_t c = 0; c < schema.columns.size(); ++c) encode_column(c, group.chunks[c]);
    if (!file_) begin_file(group);
    const int64_t first_row = writer_->rows_written();
    writer_->append_row_group(static_cast<int64_t>(group.rows), group.chunks.data(), group.chunks.size());
    entry_.row_group_index.push_back(index_row_group(group, schema, schema.columns.size() - 2, first_row));
    entry_.step_min = std::min(entry_.step_min, group.step_min);
    entry_.step_max = std::max(entry_.step_max, group.step_max);
    entry_.time_min = std::min(entry_.time_min, group.time_min);
    entry_.time_max = std::max(entry_.time_max, group.time_max);
    for (std::size_t c = 0; c < group.chunks.size(); ++c) {
      entry_.columns[c].uncompressed_bytes += group.chunks[c].total_uncompressed_size;
      entry_.columns[c].compressed_bytes += group.chunks[c].total_compressed_size();
    }
    file_frames_ += pending_frames_ + group.frame_count;
    pending_frames_ = 0;
    gathered_ = 0;
    if (file_->size() >= config_.file_bytes) commit_file();
  }

  // Column c of the file schema (step, time, then the declared columns) of
  // the gathered frames, with the statistics the batch path computes.
  void encode_column(std::size_t c, parquet::EncodedColumnChunk& out) {
    const parquet::ColumnDescriptor& column = stream_.file_schema.columns[c];
    segments_.clear();
    ColumnStats stats;
    for (std::size_t f = 0; f < gathered_; ++f) {
      const avro::KeptFrame& frame = frames_[f];
      if (frame.rows == 0) continue;
      if (c < 2) {
        const void* value = c == 0 ? static_cast<const void*>(&frame.step) : static_cast<const void*>(&frame.time);
        const Dtype dtype = c == 0 ? Dtype::int64 : Dtype::float64;
        segments_.push_back(parquet::ValueSegment{value, frame.rows, true});
        stats.merge(scalar_column_stats(dtype, value, frame.rows), dtype);
        continue;
      }
      const void* values = frame.values[c - 2].data();
      const bool is_scalar = frame.is_scalar[c - 2];
      segments_.push_back(parquet::ValueSegment{values, frame.rows, is_scalar});
      stats.merge(is_scalar ? scalar_column_stats(column.dtype, values, frame.rows)
                            : compute_column_stats(column.dtype, values, frame.rows),
                  column.dtype);
    }
    if (c < 2) encoder_.encode_dictionary(column, segments_.data(), segments_.size(), stats, out);
    else encoder_.encode(column, segments_.data(), segments_.size(), stats, out);
  }

  void begin_file(const RowGroup& group) {
    // No journal: a compacted file that is not committed must be removed by
    // recovery, never salvaged or adopted, since its frames are still in the log.
    file_ = dataset_.begin_file(stream_.config.name, group.partition);
    writer_ = std::make_unique<parquet::FileWriter>(*file_, stream_.file_schema, metadata_);
    file_partition_ = group.partition;
    entry_ = storage::ManifestFile{};
    entry_.partition = group.partition;
    entry_.step_min = group.step_min;
    entry_.step_max = group.step_max;
    entry_.time_min = group.time_min;
    entry_.time_max = group.time_max;
    for (const auto& column : stream_.file_schema.columns)
      entry_.columns.push_back(storage::ColumnBytes{column.name, 0, 0});
    file_frames_ = 0;
  }

  // Commits the open file with the mark at position_ (after its last frame).
  void commit_file() {
    if (!file_) return;
    writer_->finish();
    entry_.rows = writer_->rows_written();
    entry_.row_groups = static_cast<int64_t>(writer_->row_groups_written());
    entry_.frames = static_cast<int64_t>(file_frames_ + pending_frames_);
    writer_.reset();
    dataset_.commit_compacted_file(std::move(file_), entry_, stream_.config.name, position_);
    mark_ = position_;
    pending_frames_ = 0;
    const storage::ManifestFile& committed = dataset_.files().back();
    counters_.frames.fetch_add(static_cast<uint64_t>(committed.frames), std::memory_order_relaxed);
    counters_.bytes_out.fetch_add(committed.bytes, std::memory_order_relaxed);
    counters_.files.fetch_add(1, std::memory_order_relaxed);
  }

  // Every record of `segments` is behind the mark now (moved by this run or
  // an earlier one; the segments holding none are empty): deletes them. A
  // crash that undoes this is repaired by the next open
  // (storage/realtime_log_files.hpp), which never numbers a new segment
  // below the mark.
  void retire_segments(const std::vector<uint64_t>& segments, const std::string& dir) {
    bool removed = false;
    for (uint64_t segment : segments) {
      storage::remove_file(dataset_.root() + "/" + dir + "/" + storage::realtime_log_name(segment));
      counters_.segments_retired.fetch_add(1, std::memory_order_relaxed);
      removed = true;
    }
    if (removed) storage::fsync_directory(dataset_.root() + "/" + dir);
  }

  storage::Dataset& dataset_;
  StreamState& stream_;
  const Config& config_;
  CompactionCounters& counters_;
  parquet::ColumnChunkEncoder encoder_;
  avro::FrameDecoder decoder_;
  std::vector<Dtype> dtypes_;
  std::vector<parquet::KeyValue> metadata_;  // the stream's footer metadata
  std::vector<parquet::ValueSegment> segments_;
  avro::DecodedFrame frame_;              // the record being decoded
  std::vector<avro::KeptFrame> frames_;   // the row group being gathered: its first gathered_
  std::size_t gathered_ = 0;
  int64_t group_partition_ = 0;
  uint64_t group_bytes_ = 0;
  uint64_t pending_frames_ = 0;           // frames of zero rows not yet in a file
  uint64_t frames_moved_ = 0;
  storage::LogMark mark_;                 // the mark as committed
  storage::LogMark position_;             // after the last frame taken
  std::unique_ptr<storage::PendingFile> file_;
  std::unique_ptr<parquet::FileWriter> writer_;
  storage::ManifestFile entry_;
  int64_t file_partition_ = 0;
  uint64_t file_frames_ = 0;
};

}  // namespace

void compact_realtime_log(storage::Dataset& dataset, StreamState& stream, const Config& config, uint64_t below,
                          CompactionCounters& counters) {
  try {
    Compactor(dataset, stream, config, counters).run(below);
    stream.index_statistics.publish(storage::stream_index_statistics(dataset.files(), stream.config.name));
    std::lock_guard<std::mutex> lock(counters.mutex);
    counters.last_error.clear();
  } catch (const Error& e) {
    std::lock_guard<std::mutex> lock(counters.mutex);
    counters.last_error = e.what();
    throw Error(e.status(), "compaction of the realtime log of stream " + quote_name(stream.config.name) + ": " +
                                e.what() + " (its frames stay in the log; the next open compacts them)");
  }
}

}  // namespace simingest::pipeline
