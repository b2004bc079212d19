// Opening, flushing and closing an ingestor, and its statistics.
#include <algorithm>
#include <new>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/names.hpp"
#include "pipeline/engine_impl.hpp"

namespace simingest {

using pipeline::Frame;
using pipeline::StreamState;

namespace {

constexpr std::size_t kFrameQueueCapacity = 1 << 16;

std::size_t pool_cache_limit(uint64_t memory_limit) {
  return static_cast<std::size_t>(std::min<uint64_t>(memory_limit / 8, 32ull << 20));
}

std::string grid_json(const std::vector<int64_t>& grid) {
  return nlohmann::json(grid).dump();
}

}  // namespace

Engine::Impl::Impl(Config parsed, const EngineOptions& engine_options)
    : config(std::move(parsed)),
      options(engine_options),
      budget(config.memory_limit),
      pool(pool_cache_limit(config.memory_limit)),
      frame_queue(kFrameQueueCapacity) {
  // A row group must fit in the budget several times over, or a stream
  // would wait for room that only its own unfinished row group holds.
  row_group_target = std::max<uint64_t>(1, std::min<uint64_t>(config.row_group_bytes, config.memory_limit / 4));
}

void Engine::Impl::record_failure(Status status, const std::string& message) {
  std::lock_guard<std::mutex> lock(failure_mutex);
  if (failure_status == Status::ok) {
    failure_status = status;
    failure_message = message;
  }
  failed.store(true, std::memory_order_release);
}

Status Engine::Impl::failure(std::string& message) {
  std::lock_guard<std::mutex> lock(failure_mutex);
  message = failure_message;
  return failure_status;
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
  impl->dataset = storage::Dataset::open(path);

  uint32_t index = 0;
  for (const StreamConfig& stream_config : impl->config.streams) {
    auto stream = std::make_unique<StreamState>();
    stream->index = index++;
    stream->config = stream_config;
    stream->schema_json = stream_schema_json(stream_config);
    impl->dataset->register_stream(stream_config.name, stream->schema_json);
    if (!stream_config.grid.empty()) {
      stream->grid_rows = 1;
      for (int64_t extent : stream_config.grid) stream->grid_rows *= static_cast<uint64_t>(extent);
    }
    stream->file_schema.columns.push_back({"step", Dtype::int64, ColumnEncoding::automatic});
    stream->file_schema.columns.push_back({"time", Dtype::float64, ColumnEncoding::automatic});
    for (const ColumnConfig& column : stream_config.columns)
      stream->file_schema.columns.push_back({column.name, column.dtype, column.encoding});
    stream->file_metadata.push_back({"simingest.version", SIMINGEST_VERSION_STRING});
    stream->file_metadata.push_back({"simingest.stream", stream_config.name});
    stream->file_metadata.push_back({"simingest.schema", stream->schema_json});
    if (!stream_config.grid.empty()) stream->file_metadata.push_back({"simingest.grid", grid_json(stream_config.grid)});
    impl->streams.push_back(std::move(stream));
  }

  unsigned workers = impl->config.workers;
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  Impl* raw = impl.get();
  std::unique_ptr<Engine> ingestor(new Engine(std::move(impl)));
  // From here the destructor stops whatever threads were started.
  raw->commit_thread = std::thread([raw] { raw->run_commit(); });
  raw->workers.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) raw->workers.emplace_back([raw] { raw->run_worker(); });
  return ingestor;
}

Status Engine::ingest(const char* stream, int64_t step, double time, const simingest_column* columns,
                        std::size_t ncolumns, bool nowait, std::string& message) noexcept {
  return impl_->admit(stream, step, time, columns, ncolumns, nowait, message);
}

void Engine::notify_room(std::size_t bytes, simingest_room_callback callback, void* user) noexcept {
  if (impl_->closed.load(std::memory_order_acquire)) {
    callback(user, SIMINGEST_ERR_CLOSED);
    return;
  }
  try {
    impl_->budget.notify_when_room(impl_->room_estimate(bytes), callback, user,
                                   impl_->config.backpressure.timeout_ms);
  } catch (...) {
    // Registering failed (out of memory): tell the host to try again now.
    callback(user, SIMINGEST_OK);
  }
}

namespace {

// Sends a barrier down every stream and waits until all are committed.
void flush_streams(Engine::Impl& impl) {
  pipeline::FlushTicket ticket(static_cast<int>(impl.streams.size()));
  for (auto& stream : impl.streams) {
    pipeline::Buffer buffer = impl.pool.acquire(sizeof(Frame));
    Frame* barrier = new (buffer.data) Frame();
    barrier->kind = Frame::Kind::barrier;
    barrier->stream = stream->index;
    barrier->buffer = buffer;
    barrier->ticket = &ticket;
    barrier->seq = stream->next_seq.fetch_add(1, std::memory_order_acq_rel);
    impl.enqueue(barrier);
  }
  std::string message;
  const Status status = ticket.wait(message);
  if (status != Status::ok) throw Error(status, message);
}

}  // namespace

void Engine::flush() {
  if (impl_->closed.load(std::memory_order_acquire)) throw Error(Status::closed, "the ingestor is closed");
  flush_streams(*impl_);
}

void Engine::close() {
  Impl& impl = *impl_;
  if (impl.closed.exchange(true, std::memory_order_acq_rel)) return;
  Status status = Status::ok;
  std::string message;
  if (impl.commit_thread.joinable() && !impl.workers.empty()) {
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
  impl.workers_stop.store(true, std::memory_order_release);
  for (std::size_t i = 0; i < impl.workers.size(); ++i) impl.work_available.post();
  for (auto& worker : impl.workers) worker.join();
  impl.workers.clear();
  {
    std::lock_guard<std::mutex> lock(impl.commit_mutex);
    impl.commit_stop = true;
    impl.commit_ready.notify_all();
  }
  if (impl.commit_thread.joinable()) impl.commit_thread.join();
  impl.budget.close();
  impl.dataset.reset();
  if (status == Status::ok && impl.failed.load()) status = impl.failure(message);
  if (status != Status::ok) throw Error(status, message);
}

std::string Engine::stats_json() const {
  const Impl& impl = *impl_;
  using nlohmann::ordered_json;
  auto counters_json = [](const IngestCountersSnapshot& s) {
    ordered_json j;
    j["framesAccepted"] = s.frames_accepted;
    j["framesCommitted"] = s.frames_committed;
    j["framesDropped"] = s.frames_dropped;
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
    per_stream[stream->config.name] = counters_json(snapshot);
  }
  ordered_json out = counters_json(total);
  out["memoryUsed"] = impl.budget.used();
  out["memoryPeak"] = impl.budget.peak();
  out["memoryLimit"] = impl.budget.limit();
  out["queueDepth"] = impl.frame_queue.size_approx();
  out["workers"] = impl.workers.size();
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
  return out.dump();
}

}  // namespace simingest
