// Opening, flushing and closing an ingestor, and its statistics.
#include <algorithm>
#include <new>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/names.hpp"
#include "parquet/arrow_schema.hpp"
#include "parquet/bloom_filter.hpp"
#include "pipeline/engine_impl.hpp"
#include "pipeline/log_compaction.hpp"
#include "storage/index_statistics.hpp"

namespace simingest {

using pipeline::Frame;
using pipeline::StreamState;

namespace {

constexpr std::size_t kFrameQueueCapacity = 1 << 16;

// Cached buffers count in the budget, so the cache may hold up to half of it;
// hosts evict from it before they wait.
std::size_t pool_cache_limit(uint64_t memory_limit) { return static_cast<std::size_t>(memory_limit / 2); }

std::string grid_json(const std::vector<int64_t>& grid) {
  return nlohmann::json(grid).dump();
}

// Units and descriptions as Arrow field metadata, so that pyarrow shows them
// on its fields (docs/ON_DISK.md). Only streams that have any get the entry:
// files of others stay as they were. Called once the simingest.* entries are
// in file_metadata: Arrow readers take the schema's metadata from this entry.
std::optional<parquet::KeyValue> arrow_schema_entry(const StreamState& stream) {
  std::vector<parquet::FieldMetadata> metadata(stream.file_schema.columns.size());
  bool any = false;
  for (std::size_t i = 0; i < stream.config.columns.size(); ++i) {
    const ColumnConfig& column = stream.config.columns[i];
    parquet::FieldMetadata& field = metadata[i + 2];  // after step and time
    if (!column.unit.empty()) field.emplace_back("unit", column.unit);
    if (!column.description.empty()) field.emplace_back("description", column.description);
    any = any || !field.empty();
  }
  if (!any) return std::nullopt;
  return parquet::KeyValue{"ARROW:schema", parquet::base64_encode(parquet::arrow_schema_message(
                                               stream.file_schema, metadata, stream.file_metadata))};
}

std::shared_ptr<const pipeline::NumaTopology> topology_of(const EngineOptions& options) {
  if (options.topology) return options.topology;
  return std::make_shared<const pipeline::NumaTopology>(pipeline::NumaTopology::read("/sys"));
}

// Compaction of the realtime logs of "realtime" streams (log_compaction.hpp;
// ADR 0018): at open the segments of earlier sessions, at close also this
// session's, once its writer is stopped. "both" streams have their Parquet
// from the batch path: their log is left as it is. Throws the first Error.
void compact_logs(Engine::Impl& impl, bool closing) {
  for (auto& stream : impl.streams) {
    if (stream->config.route != StreamRoute::realtime || !stream->config.realtime.compact) continue;
    const auto slot = static_cast<uint32_t>(stream->realtime_slot);
    const uint64_t current = impl.realtime.segment_of(slot);
    pipeline::compact_realtime_log(*impl.dataset, *stream, impl.config, closing ? current + 1 : current,
                                   impl.realtime.compaction(slot));
    // A mark tells readers of the manifest that this stream's log holds its
    // frames past it (query/dataset_reader.hpp), from the first session on.
    if (!impl.dataset->has_compacted_mark(stream->config.name))
      impl.dataset->mark_compacted(stream->config.name, storage::LogMark{});
  }
}

// stats().realtime.compaction and per stream (docs/STATS.md); adds the
// stream's counters to `total` (whose lastError is the last stream's that has one).
nlohmann::ordered_json compaction_json(const pipeline::CompactionCounters& c, nlohmann::ordered_json* total) {
  nlohmann::ordered_json j;
  const std::pair<const char*, const std::atomic<uint64_t>*> counters[] = {
      {"runs", &c.runs}, {"frames", &c.frames}, {"bytesIn", &c.bytes_in}, {"bytesOut", &c.bytes_out},
      {"files", &c.files}, {"segmentsRetired", &c.segments_retired}};
  for (const auto& [name, counter] : counters) {
    const uint64_t value = counter->load(std::memory_order_relaxed);
    j[name] = value;
    if (total) (*total)[name] = (*total)[name].get<uint64_t>() + value;
  }
  std::lock_guard<std::mutex> lock(c.mutex);
  j["lastError"] = c.last_error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.last_error);
  if (total && !c.last_error.empty()) (*total)["lastError"] = c.last_error;
  return j;
}

// stats().realtime (docs/STATS.md): totals, then per routed stream.
nlohmann::ordered_json realtime_stats_json(const Engine::Impl& impl) {
  using nlohmann::ordered_json;
  ordered_json per_stream = ordered_json::object();
  ordered_json compaction = {{"runs", 0}, {"frames", 0}, {"bytesIn", 0}, {"bytesOut", 0},
                             {"files", 0}, {"segmentsRetired", 0}, {"lastError", nullptr}};
  uint64_t frames = 0, bytes = 0, blocks = 0, fsyncs = 0;
  ordered_json truncated = ordered_json::array();
  for (const auto& stream : impl.streams) {
    if (stream->realtime_slot < 0) continue;
    const auto slot = static_cast<uint32_t>(stream->realtime_slot);
    const auto& c = impl.realtime.counters(slot);
    const uint64_t stream_frames = c.frames.load(std::memory_order_relaxed);
    const uint64_t stream_bytes = c.bytes.load(std::memory_order_relaxed);
    const uint64_t stream_blocks = c.blocks.load(std::memory_order_relaxed);
    const uint64_t stream_fsyncs = c.fsyncs.load(std::memory_order_relaxed);
    frames += stream_frames;
    bytes += stream_bytes;
    blocks += stream_blocks;
    fsyncs += stream_fsyncs;
    ordered_json j;
    j["path"] = impl.realtime.path_of(slot);
    j["frames"] = stream_frames;
    j["bytes"] = stream_bytes;
    j["blocks"] = stream_blocks;
    j["fsyncs"] = stream_fsyncs;
    j["compaction"] = compaction_json(impl.realtime.compaction(slot), &compaction);
    per_stream[stream->config.name] = std::move(j);
    for (const auto& cut : impl.realtime.recovery()[slot].truncated)
      truncated.push_back({{"path", cut.path}, {"keptBytes", cut.kept_bytes}, {"cutBytes", cut.cut_bytes},
                           {"reason", cut.reason}});
  }
  ordered_json out;
  out["frames"] = frames;
  out["bytes"] = bytes;
  out["blocks"] = blocks;
  out["fsyncs"] = fsyncs;
  out["truncated"] = truncated;
  out["compaction"] = std::move(compaction);
  const auto subs = impl.subscriptions->totals();
  out["subscriptions"] = {{"subscribers", subs.subscribers}, {"delivered", subs.delivered},
                          {"dropped", subs.dropped}, {"disconnected", subs.disconnected},
                          {"lagFrames", subs.queued}, {"maxLagFrames", subs.max_queued}};
  out["streams"] = std::move(per_stream);
  return out;
}

}  // namespace

Engine::Impl::Impl(Config parsed, const EngineOptions& engine_options)
    : config(std::move(parsed)),
      options(engine_options),
      topology(topology_of(options)),
      budget(config.memory_limit),
      // The cache bound is shared by the nodes; cached buffers stay charged
      // to the budget, so resident memory stays under it whatever the node count.
      pool(topology->node_count(), pool_cache_limit(config.memory_limit) / topology->node_count()),
      frame_queues(topology, kFrameQueueCapacity, work_available) {
  // A row group must fit in the budget several times over, or a stream
  // would wait for room that only its own unfinished row group holds.
  row_group_target = std::max<uint64_t>(1, std::min<uint64_t>(config.row_group_bytes, config.memory_limit / 4));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() {
  try {
    close();
  } catch (...) {
    // A destructor cannot report; close() explicitly to see the failure.
  }
}

std::unique_ptr<Engine> Engine::open(const std::string& path, std::string_view config_json,
                                         const EngineOptions& options) {
  auto impl = std::make_unique<Impl>(parse_config(config_json), options);
  unsigned workers = impl->config.workers;
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  auto worker_cpus = pipeline::WorkerPool::plan(impl->config.affinity, *impl->topology, workers);
  storage::OpenOptions open_options;
  open_options.resume_from_step = impl->config.resume_from_step;
  open_options.verify_full = impl->config.verify_on_open == VerifyMode::full;
  if (impl->config.writer) open_options.writer = storage::SharedWriter{impl->config.writer->id, impl->config.writer->count};
  impl->dataset = storage::Dataset::open(path, open_options);
  impl->recovery_json = impl->dataset->recovery().to_json();
  impl->durable_steps = impl->dataset->durable_steps();

  uint32_t index = 0;
  std::vector<std::pair<std::string, std::string>> schemas;  // registered together: one manifest write
  schemas.reserve(impl->config.streams.size());
  for (const StreamConfig& stream_config : impl->config.streams)
    schemas.emplace_back(stream_config.name, stream_schema_json(stream_config));
  // First: every file's metadata names the schema version it is written with.
  impl->dataset->register_streams(schemas, impl->config.schema_evolution);
  for (const StreamConfig& stream_config : impl->config.streams) {
    auto stream = std::make_unique<StreamState>();
    stream->index = index;
    stream->config = stream_config;
    stream->schema_json = std::move(schemas[index++].second);
    stream->commit_interval_ns = impl->config.commit_interval_ms_of(stream_config) * 1000000;
    if (impl->config.resume_from_step) {
      if (const auto last = impl->durable_steps->last_step(stream_config.name)) {
        stream->skip_resumed = true;
        stream->skip_resumed_through = *last;
      }
    }
    if (!stream_config.grid.empty()) {
      stream->grid_rows = 1;
      for (int64_t extent : stream_config.grid) stream->grid_rows *= static_cast<uint64_t>(extent);
    }
    if (stream_config.block) {
      stream->grid_rows = stream_config.block->cells();
      stream->cells = global_cells(*stream_config.block, stream_config.grid);
      stream->cell_stats = scalar_column_stats(Dtype::int64, &stream->cells.front(), 1);
      stream->cell_stats.merge(scalar_column_stats(Dtype::int64, &stream->cells.back(), 1), Dtype::int64);
    }
    stream->file_schema.columns.push_back({"step", Dtype::int64, ColumnEncoding::automatic});
    stream->file_schema.columns.push_back({"time", Dtype::float64, ColumnEncoding::automatic});
    stream->column_index.reserve(stream->config.columns.size());
    for (const ColumnConfig& column : stream->config.columns) {
      stream->file_schema.columns.emplace_back(column.name, column.dtype, column.encoding);
      stream->file_schema.columns.back().bloom_filter = column.bloom_filter;
      if (column.bloom_filter.enabled) {
        stream->bloom_bytes_per_row += parquet::bloom_filter_bytes_per_value_bound(column.bloom_filter.fpp);
        ++stream->bloom_columns;
      }
      stream->column_index.emplace(column.name, static_cast<uint32_t>(stream->column_index.size()));
    }
    // Last, so every reader that finds a column by its declared position
    // (step, time, then the columns) reads the files as before.
    if (stream_config.block)
      stream->file_schema.columns.push_back({kCellColumn, Dtype::int64, ColumnEncoding::automatic});
    stream->file_metadata.push_back({"simingest.version", SIMINGEST_VERSION_STRING});
    stream->file_metadata.push_back({"simingest.stream", stream_config.name});
    stream->file_metadata.push_back({"simingest.schema", stream->schema_json});
    stream->schema_version = impl->dataset->schema_version(stream_config.name);
    stream->file_metadata.push_back({"simingest.schemaVersion", std::to_string(stream->schema_version)});
    if (auto history = impl->dataset->schema_histories().find(stream_config.name);
        history != impl->dataset->schema_histories().end())
      stream->schema_history = storage::schema_history_json(history->second);
    if (!stream_config.grid.empty()) stream->file_metadata.push_back({"simingest.grid", grid_json(stream_config.grid)});
    if (stream_config.block) stream->file_metadata.push_back({"simingest.block", grid_block_json(*stream_config.block)});
    stream->quantize_errors = std::make_unique<pipeline::QuantizeErrorTotals[]>(stream_config.columns.size());
    if (auto quantize = pipeline::quantize_metadata_json(stream_config, impl->config.page_bytes))
      stream->file_metadata.push_back({"simingest.quantize", std::move(*quantize)});
    if (auto arrow_schema = arrow_schema_entry(*stream)) stream->file_metadata.push_back(std::move(*arrow_schema));
    impl->stream_index.emplace(stream->config.name, stream.get());
    impl->streams.push_back(std::move(stream));
  }
  for (auto& stream : impl->streams)
    stream->index_statistics.publish(storage::stream_index_statistics(
        impl->dataset->files(), stream->config.name, impl->dataset->schema_version(stream->config.name)));

  // The router's realtime leg: recover each routed stream's log (a damaged
  // one is quarantined and fails this open once), then start new segments.
  std::vector<const StreamConfig*> routed;
  std::vector<storage::LogMark> compacted;
  for (auto& stream : impl->streams) {
    if (stream->config.route == StreamRoute::batch) continue;
    stream->realtime_slot = static_cast<int32_t>(routed.size());
    routed.push_back(&stream->config);
    compacted.push_back(impl->dataset->compacted_mark(stream->config.name));
  }
  if (!routed.empty()) impl->realtime.open(impl->dataset->root(), routed, compacted);
  // What earlier sessions left in the logs of "realtime" streams (closed or
  // crashed) goes to Parquet now, before any thread touches the dataset.
  compact_logs(*impl, false);

  Impl* raw = impl.get();
  std::unique_ptr<Engine> ingestor(new Engine(std::move(impl)));
  // From here the destructor stops whatever threads were started.
  // A thread the system refuses throws Error(resource_limit); the destructor
  // then stops and joins the threads already started and releases the lock.
  raw->commit_writer.start();
  raw->realtime.start();
  // Every worker has pinned itself (or failed to) before open returns, so
  // stats_json() reads placements without a lock.
  raw->workers.start(workers, std::move(worker_cpus), [raw](unsigned) { raw->run_worker(); });
  // A roll-over is a flush nobody waits for: a barrier seals the open row
  // group and commits the open file. After a failure nothing is committed.
  raw->commit_timer.start([raw](StreamState& stream) {
    if (!raw->failure.failed()) raw->admission.enqueue_marker(stream, Frame::Kind::barrier, nullptr);
  });
  return ingestor;
}

Status Engine::ingest(const char* stream, int64_t step, double time, const simingest_column* columns,
                        std::size_t ncolumns, bool nowait, std::string& message) noexcept {
  return impl_->admission.admit(stream, step, time, columns, ncolumns, nowait, message);
}

const std::shared_ptr<pipeline::LoanLedger>& Engine::loans() const noexcept { return impl_->loans; }

void Engine::notify_room(std::size_t bytes, simingest_room_callback callback, void* user) noexcept {
  impl_->admission.notify_room(bytes, callback, user);
}

namespace {

// Sends a barrier down every stream and waits until all are committed.
void flush_streams(Engine::Impl& impl) {
  pipeline::FlushTicket ticket(static_cast<int>(impl.streams.size()));
  for (auto& stream : impl.streams) impl.admission.enqueue_marker(*stream, Frame::Kind::barrier, &ticket);
  std::string message;
  const Status status = ticket.wait(message);
  if (status != Status::ok) throw Error(status, message);
}

}  // namespace

void Engine::flush() {
  if (impl_->closed.load(std::memory_order_acquire)) throw Error(Status::closed, "the ingestor is closed");
  flush_streams(*impl_);
  impl_->realtime.sync_all();
}

void Engine::close() {
  Impl& impl = *impl_;
  if (impl.closed.exchange(true, std::memory_order_acq_rel)) return;
  // Loans still open are leaked: their buffers go back before the budget closes.
  impl.loans->reclaim_all();
  // Before the flush: a barrier it sent later would find the workers stopped.
  impl.commit_timer.stop();
  Status status = Status::ok;
  std::string message;
  if (impl.commit_writer.running() && impl.workers.size() != 0) {
    try {
      flush_streams(impl);
    } catch (const Error& e) {
      status = e.status();
      message = e.what();
    } catch (const std::bad_alloc&) {
      status = Status::out_of_memory;
      message = "out of memory while closing";
    }
  }
  try {
    impl.realtime.stop();  // writes and fsyncs what is pending
  } catch (const Error& e) {
    if (status == Status::ok) {
      status = e.status();
      message = e.what();
    }
  }
  // Subscribers get what was queued, then their end call; none runs after close.
  impl.subscriptions->stop();
  impl.workers.stop();
  impl.commit_writer.stop();
  // The log writer and the commit thread are gone: this session's segments
  // are closed and the dataset is this thread's. After a failure nothing is
  // compacted (the next open does it).
  if (status == Status::ok && !impl.failure.failed() && impl.dataset) {
    try {
      compact_logs(impl, true);
    } catch (const Error& e) {
      status = e.status();
      message = e.what();
    } catch (const std::bad_alloc&) {
      status = Status::out_of_memory;
      message = "out of memory compacting the realtime log (its frames stay in the log; the next open compacts them)";
    }
  }
  impl.budget.close();
  impl.dataset.reset();
  if (status == Status::ok && impl.failure.failed()) status = impl.failure.get(message);
  if (status != Status::ok) throw Error(status, message);
}

std::string Engine::checkpoint_json() const {
  const Impl& impl = *impl_;
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& stream : impl.streams) {
    const auto last = impl.durable_steps->last_step(stream->config.name);
    out[stream->config.name] = last ? nlohmann::ordered_json(*last) : nlohmann::ordered_json(nullptr);
  }
  return out.dump();
}

std::string Engine::stats_json() const {
  const Impl& impl = *impl_;
  using nlohmann::ordered_json;
  auto counters_json = [](const IngestCountersSnapshot& s) {
    ordered_json j;
    j["framesAccepted"] = s.frames_accepted;
    j["framesCommitted"] = s.frames_committed;
    j["framesDropped"] = s.frames_dropped;
    j["framesSkippedDuplicate"] = s.frames_skipped_duplicate;
    j["framesInFlight"] = s.frames_in_flight;
    j["framesRejected"] = s.frames_rejected;
    j["rowsCommitted"] = s.rows_committed;
    j["bytesIn"] = s.bytes_in;
    j["bytesWritten"] = s.bytes_written;
    j["filesCommitted"] = s.files_committed;
    return j;
  };
  ordered_json per_stream = ordered_json::object();
  IngestCountersSnapshot total = IngestCountersSnapshot::of(impl.unattributed);
  for (const auto& stream : impl.streams) {
    const auto snapshot = IngestCountersSnapshot::of(stream->counters);
    total.add(snapshot);
    ordered_json entry = counters_json(snapshot);
    std::vector<std::string> names;
    names.reserve(stream->config.columns.size());
    for (const ColumnConfig& column : stream->config.columns) names.push_back(column.name);
    entry["index"] = storage::index_statistics_json(stream->index_statistics.get(), names);
    if (auto quantize = pipeline::quantize_stats_json(stream->config, stream->quantize_errors.get()))
      entry["quantize"] = std::move(*quantize);
    entry["schemaVersion"] = stream->schema_version;
    entry["schemaHistory"] = stream->schema_history;
    per_stream[stream->config.name] = std::move(entry);
  }
  ordered_json out = counters_json(total);
  out["memoryUsed"] = impl.budget.used();
  out["memoryPeak"] = impl.budget.peak();
  out["memoryLimit"] = impl.budget.limit();
  out["memoryCached"] = impl.pool.cached_bytes();
  out["queueDepth"] = impl.frame_queues.depth();
  out["workers"] = impl.workers.size();
  ordered_json nodes = ordered_json::array();
  for (std::size_t i = 0; i < impl.topology->node_count(); ++i) {
    ordered_json node;
    node["id"] = impl.topology->nodes()[i].id;
    node["cpus"] = pipeline::format_cpulist(impl.topology->nodes()[i].cpus);
    node["poolAllocations"] = impl.pool.of_node(i).allocations();
    node["poolCachedBytes"] = impl.pool.of_node(i).cached_bytes();
    nodes.push_back(node);
  }
  ordered_json numa;
  numa["nodes"] = nodes;
  if (!impl.topology->fallback_reason().empty()) numa["fallbackReason"] = impl.topology->fallback_reason();
  out["numa"] = numa;
  out["recovery"] = ordered_json::parse(impl.recovery_json);
  ordered_json affinity;
  switch (impl.config.affinity.kind) {
    case AffinityConfig::Kind::none: affinity["requested"] = "none"; break;
    case AffinityConfig::Kind::numa: affinity["requested"] = "numa"; break;
    case AffinityConfig::Kind::cpus: affinity["requested"] = impl.config.affinity.cpus; break;
  }
  if (!impl.workers.placements().empty()) {
    std::string reason;
    ordered_json running = ordered_json::array();
    for (const auto& placement : impl.workers.placements()) {
      if (reason.empty()) reason = placement.failure;
      running.push_back(pipeline::format_cpulist(placement.running_on));
    }
    affinity["applied"] = reason.empty();
    if (!reason.empty()) affinity["reason"] = reason;
    affinity["workerCpus"] = running;
  }
  out["affinity"] = affinity;
  out["streams"] = per_stream;
  ordered_json stages = ordered_json::object();
  auto stage_json = [](const StageStats& stage) {
    ordered_json j;
    j["count"] = stage.count();
    j["totalNs"] = stage.total_ns();
    j["maxNs"] = stage.max_ns();
    ordered_json histogram = ordered_json::array();
    for (int i = 0; i < StageStats::kBuckets; ++i) histogram.push_back(stage.bucket(i));
    j["histogram"] = histogram;
    return j;
  };
  stages["validate"] = stage_json(impl.stage_validate);
  stages["queue"] = stage_json(impl.stage_queue);
  stages["stats"] = stage_json(impl.stage_stats);
  stages["encode"] = stage_json(impl.stage_encode);
  stages["compress"] = stage_json(impl.stage_compress);
  stages["write"] = stage_json(impl.stage_write);
  stages["fsync"] = stage_json(impl.stage_fsync);
  out["stages"] = stages;
  if (!impl.realtime.empty()) out["realtime"] = realtime_stats_json(impl);
  const pipeline::LoanCounters loans = impl.loans->counters();
  out["loans"] = {{"begun", loans.begun},         {"committed", loans.committed}, {"aborted", loans.aborted},
                  {"refused", loans.refused},     {"leaked", loans.leaked},       {"open", loans.open}};
  return out.dump();
}

}  // namespace simingest
