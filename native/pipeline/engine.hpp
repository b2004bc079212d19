// The engine's internal C++ API, which the C ABI (capi/) wraps. Hosts use the
// C ABI (or include/simingest.hpp, whose simingest::Ingestor is the public
// C++ class); this class is named Engine so the two never collide.
//
// Threads: any number of host threads call ingest(); `workers` threads
// compute statistics and encode column chunks; one commit thread writes and
// commits files. See docs/ARCHITECTURE.md for the life of a frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.hpp"
#include "pipeline/numa_topology.hpp"
#include "pipeline/row_appender.hpp"
#include "pipeline/subscriptions.hpp"
#include "query/query_spec.hpp"
#include "simingest.h"

namespace simingest {

namespace pipeline {
class LoanLedger;
}

// Hooks for tests; hosts leave them alone.
struct EngineOptions {
  EngineOptions() = default;
  explicit EngineOptions(int64_t commit_delay) : commit_delay_ms(commit_delay) {}

  int64_t commit_delay_ms = 0;  // sleep before writing each row group (a slow disk)
  // The NUMA topology to place pools, queues and workers by; null reads /sys.
  std::shared_ptr<const pipeline::NumaTopology> topology;
};

class Engine {
 public:
  // Opens the dataset and starts the threads. Throws Error (config, io,
  // schema_conflict, dataset_locked) naming the problem.
  static std::unique_ptr<Engine> open(const std::string& path, std::string_view config_json,
                                        const EngineOptions& options = {});
  ~Engine();  // close()s, swallowing a failure
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Validates and copies one frame (see simingest_ingest()). On failure
  // returns the status and sets `message`; never throws. With `nowait`, the
  // block policy returns Status::would_block instead of waiting.
  // `stream` may be NULL (an invalid argument, counted as a rejection).
  Status ingest(const char* stream, int64_t step, double time,
                const simingest_column* columns, std::size_t ncolumns, bool nowait,
                std::string& message) noexcept;

  // See simingest_notify_room(). Never throws.
  void notify_room(std::size_t bytes, simingest_room_callback callback, void* user) noexcept;

  // Returns once every frame ingested before the call is committed. Throws Error.
  void flush();
  // Flushes and stops the threads; idempotent. Throws Error if the final flush failed.
  void close();
  // See simingest_flush_async() (engine_async.cpp). Returns ok once `done`
  // is registered: it then runs exactly once, on the commit thread, after
  // every frame ingested before the call is committed (or with the failure).
  // Otherwise returns the status, sets `message`, and `done` never runs.
  Status flush_async(simingest_completion_callback done, void* user, std::string& message) noexcept;

  std::string stats_json() const;

  // A query of one stream (see simingest_query(); engine_query.cpp): fills
  // `out` with a live Arrow stream over every frame ingested before the call,
  // committed or not, in ingest order. On failure returns the status and sets
  // `message`; never throws. `stream` may be NULL (invalid argument).
  Status query(const char* stream, const query::QuerySpec& spec, ArrowArrayStream* out,
               std::string& message) noexcept;

  // {"<stream>": <last durable step> | null, ...} for the configured streams,
  // in configuration order: the largest step of a frame in a committed file.
  // Any thread; also after close(). Throws only std::bad_alloc.
  std::string checkpoint_json() const;

  // See simingest_subscribe() (engine_subscribe.cpp). On failure returns the
  // status and sets `message`; never throws.
  Status subscribe(const char* stream, const pipeline::SubscribeOptions& options,
                   simingest_subscription_callback callback, void* user,
                   std::unique_ptr<pipeline::Subscription>& out, std::string& message) noexcept;

  // Loaned frames (zero-copy ingest; pipeline/frame_loan.hpp): the ledger
  // that begins, commits and aborts them. Handles keep it, so it outlives
  // the engine; close() reclaims the loans still open.
  const std::shared_ptr<pipeline::LoanLedger>& loans() const noexcept;
  // A row appender of one stream (engine_appender.cpp, ADR 0021). On
  // failure returns nullptr with `status` and `message` set: unknown_stream,
  // invalid_argument (a NULL or badly named stream, a grid stream, a stream
  // routed realtime or both), closed. Never throws. The appender must be
  // destroyed before this engine.
  std::unique_ptr<pipeline::RowAppender> open_appender(const char* stream, Status& status,
                                                       std::string& message) noexcept;

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace simingest
