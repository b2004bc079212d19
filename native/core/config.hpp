// The ingestor's configuration: one JSON document, the same for every host,
// parsed and validated here and nowhere else. Key names are the camelCase ones
// the TypeScript API shows; every error names the key path it concerns, e.g.
// `streams.fields.columns.vx: unknown dtype "float16"`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.hpp"
#include "core/grid_block.hpp"
#include "core/format_choices.hpp"
#include "core/schema_evolution.hpp"

namespace simingest {

enum class NonFinitePolicy { allow, reject };

struct ColumnConfig {
  std::string name;
  Dtype dtype = Dtype::float64;
  NonFinitePolicy non_finite = NonFinitePolicy::allow;
  ColumnEncoding encoding = ColumnEncoding::automatic;
  BloomFilterChoice bloom_filter;  // integer columns only
  // Annotations, stored with the schema; empty: none (docs/ON_DISK.md).
  std::string unit;         // e.g. "m/s"; free text, UDUNITS style suggested
  std::string description;
  QuantizeChoice quantize;         // float columns only
};

// Rows of a stream are spread over hive partitions `part=<n>`, where n is
// floor(step / steps) or floor(time / time span). `none` puts everything in part=0.
struct PartitionConfig {
  enum class Kind { none, steps, time } kind = Kind::none;
  int64_t steps = 0;      // kind == steps: > 0
  double time_span = 0;   // kind == time: finite and > 0
};

// Which path a stream's frames take (the router, pipeline/frame_admission.cpp):
// `batch` to Parquet only (the default), `realtime` to the Avro log only,
// `both` to Parquet and, every `every_steps`-th step, to the log.
enum class StreamRoute { batch, realtime, both };

// The realtime log's Avro block codec (docs/ON_DISK.md "The realtime log").
enum class AvroCodec { null, deflate, zstandard };

// The realtime path of a stream. Group commit: the log is written and
// fsynced once `sync_every_frames` frames wait or the oldest waiting frame is
// `sync_every_ms` old, whichever comes first.
struct RealtimeConfig {
  int64_t every_steps = 1;  // route both: frames whose step is a multiple of it
  int64_t sync_every_ms = 50;
  int64_t sync_every_frames = 4096;
  AvroCodec codec = AvroCodec::null;
  // Route realtime: compact the log into Parquet at close and open
  // (pipeline/log_compaction.hpp); false keeps the Avro segments as they are.
  bool compact = true;
};

// A row appender's hand-off (stream key `appender`, ADR 0021): its rows go to
// the engine as one frame once `rows` have gathered or `interval_ms` has
// passed since the first of them (checked at each append), and at flush.
struct AppenderConfig {
  int64_t rows = 65536;      // 1 .. 16777216
  int64_t interval_ms = 100; // 0: no time limit
};

struct StreamConfig {
  std::string name;
  std::vector<ColumnConfig> columns;  // in the order the document lists them
  std::vector<int64_t> grid;          // empty: no grid; else every extent > 0
  // This writer's block of the grid (core/grid_block.hpp); frames hold its
  // cells. `decomposed` is part of the schema: every file of the stream then
  // carries the `cell` column (a dataset reader sees it without a block).
  std::optional<GridBlock> block;
  bool decomposed = false;
  PartitionConfig partition;
  StreamRoute route = StreamRoute::batch;
  RealtimeConfig realtime;
  // The stream's `metadata` object as compact JSON (keys sorted at every level);
  // empty when absent or {}. Stored with the schema.
  std::string metadata_json;
  // commitIntervalMs of this stream; unset: the dataset's (Config::commit_interval_ms).
  std::optional<int64_t> commit_interval_ms;
  AppenderConfig appender;
};

// When ingest() of a frame on the realtime path returns: once the frame is
// in the log's queue (`ack_after_accept`), or once it is fsynced.
enum class Durability { ack_after_accept, ack_after_fsync };

struct CompressionConfig {
  Codec codec = Codec::zstd;
  int level = 1;  // zstd: 1..19 (negative "fast" levels down to -7 allowed)
};

enum class BackpressurePolicy { block, error, drop };

struct BackpressureConfig {
  BackpressurePolicy policy = BackpressurePolicy::block;
  int64_t timeout_ms = -1;  // block only; -1 waits forever
};

// Where worker threads run. `none` leaves them to the scheduler; `numa` pins
// worker i to every CPU of one NUMA node, nodes taken round-robin; `cpus`
// pins worker i to cpus[i % cpus.size()]. Whether the CPUs exist is checked
// when the engine opens, against the machine's topology.
struct AffinityConfig {
  enum class Kind { none, numa, cpus } kind = Kind::none;
  std::vector<int> cpus;  // kind == cpus: not empty, each >= 0
};

// What opening a dataset checks of the files the manifest lists (see
// docs/RELIABILITY.md): `footer` reads each file's size, magic and footer and
// compares the footer's CRC-32C with the manifest; `full` also reads every
// byte and compares the whole file's CRC-32C.
enum class VerifyMode { footer, full };

// One of `count` cooperating writers of a shared dataset (docs/adr/0020-shared-datasets.md):
// from C the MPI rank and size. 0 <= id < count; count >= 1.
struct WriterConfig {
  uint32_t id = 0;
  uint32_t count = 1;
};

// The bound on `writer.count`: a shared dataset lists its writers' directories
// on every open and every read, so the count is kept to what that stays fast for.
inline constexpr uint32_t kMaxWriters = 65536;

struct Config {
  std::vector<StreamConfig> streams;  // in the order the document lists them; at least one
  CompressionConfig compression;
  uint64_t row_group_bytes = 64ull << 20;   // target uncompressed bytes of a row group
  uint64_t page_bytes = 1ull << 20;         // target uncompressed bytes of a data page
  uint64_t file_bytes = 512ull << 20;       // a file is closed once it holds this many bytes
  uint64_t memory_limit = 256ull << 20;     // hard budget for frames in flight, >= 1 MiB
  // Bytes of query results alive at once (batches not yet released, frames
  // copied out of the engine), >= 1 MiB.
  uint64_t query_memory_limit = 4ull << 30;
  unsigned workers = 0;                     // 0: one per hardware thread
  BackpressureConfig backpressure;
  AffinityConfig affinity;
  // Restart from step: frames with a step after it already in the dataset are
  // retired (moved aside, reported) when it opens. Unset: nothing is retired.
  std::optional<int64_t> resume_from_step;
  VerifyMode verify_on_open = VerifyMode::footer;
  Durability durability = Durability::ack_after_accept;
  // Bounded staleness (ADR 0017): no accepted frame stays uncommitted longer
  // than this; the engine then seals the stream's open row group and commits
  // its open file. 0: never (only row-group size, partition end, fileBytes
  // and flush commit). Each stream may override it.
  int64_t commit_interval_ms = 60000;
  // What a reopened dataset accepts as a change of a stream's schema
  // (core/schema_evolution.hpp): strict, the default, accepts none.
  SchemaEvolution schema_evolution = SchemaEvolution::strict;
  // Set: the dataset is shared, and this ingestor is one of its writers.
  // Unset: a single-writer dataset, laid out exactly as before shared datasets.
  std::optional<WriterConfig> writer;

  const StreamConfig* find_stream(std::string_view name) const noexcept;
  // The stream's own commitIntervalMs, else the dataset's.
  int64_t commit_interval_ms_of(const StreamConfig& stream) const noexcept {
    return stream.commit_interval_ms.value_or(commit_interval_ms);
  }
};

// Parses and validates a configuration document. Throws Error(Status::config)
// whose message starts with the key path ("memoryLimit: expected …").
// Names are checked with is_valid_name(); `step` and `time` are reserved.
Config parse_config(std::string_view json_text);

// The stream's schema as a canonical JSON text (columns with dtypes and any
// unit and description, grid, partitioning, any metadata): stored in the
// manifest and in Parquet key-value metadata, and compared on reopen to detect
// schema conflicts — annotations included (docs/ON_DISK.md). Annotations that
// are absent leave no key, so schemas written before them compare equal.
std::string stream_schema_json(const StreamConfig& stream);

}  // namespace simingest
