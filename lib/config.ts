// The configuration document, typed. It is passed to the engine unchanged as
// JSON (simingest_open), which validates it and names the key path of any
// problem; nothing here re-implements those rules.

export type Dtype =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64';

/** What a NaN or infinity in a float column does: kept, or the frame rejected. */
export type NonFinitePolicy = 'allow' | 'reject';

/** Parquet encoding of an array column; `auto` is BYTE_STREAM_SPLIT for floats, DELTA_BINARY_PACKED for integers. */
export type ColumnEncoding = 'auto' | 'plain' | 'byteStreamSplit' | 'delta';

/**
 * A split-block bloom filter per column chunk (integer columns only), read by DuckDB,
 * Arrow and Spark to skip row groups in equality lookups. `true`: sized for every value
 * distinct at fpp 0.01; `ndv` sizes it for that many distinct values per row group.
 */
export type BloomFilterOption = boolean | { fpp?: number; ndv?: number };

/** A value JSON can hold (stream `metadata`). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Lossy, error-bounded quantisation of a float column; the files stay plain float Parquet.
 * Values are rounded to nearest (ties to even) keeping `mantissaBits` explicit mantissa
 * bits (float32 1..23, float64 1..52); `relError: r` keeps every |x' - x| <= r·|x|;
 * `absError: e` keeps every |x' - x| <= e (bits derived per block from its largest
 * magnitude). NaN, ±Inf, zeros and subnormals are stored exactly.
 */
export type QuantizeOption = { mantissaBits: number } | { relError: number } | { absError: number };

export interface ColumnOptions {
  dtype: Dtype;
  /** Unit of the values, e.g. `m/s` (at most 256 bytes); stored with the schema. */
  unit?: string;
  /** What the column holds (at most 4096 bytes); stored with the schema. */
  description?: string;
  nonFinite?: NonFinitePolicy;
  encoding?: ColumnEncoding;
  bloomFilter?: BloomFilterOption;
  /** Float columns only. */
  quantize?: QuantizeOption;
}

/** Rows go to hive partitions `part=floor(step / steps)` or `part=floor(time / time)`. */
export type PartitionConfig = { steps: number } | { time: number };

export interface StreamConfig {
  /** Columns in the order they are stored, after `step` and `time`. */
  columns: Record<string, Dtype | ColumnOptions>;
  /** Extents of the grid a frame covers (rows in C order); absent: frames of any length. */
  grid?: number[];
  /**
   * This writer's block of `grid` (domain decomposition): frames hold the block's cells in C order,
   * and each stored row carries its global C-order index in a `cell` column. `offset + shape` must
   * lie inside the grid on every axis; route "batch" only. docs/MULTI_WRITER.md.
   */
  block?: { offset: number[]; shape: number[] };
  partition?: PartitionConfig;
  /** Default non-finite policy of the stream's columns. */
  nonFinite?: NonFinitePolicy;
  /**
   * Which path frames take: `batch` (Parquet, the default), `realtime` (the Avro log under
   * `_realtime/<stream>/` only), `both` (Parquet, and every `realtime.everySteps`-th step to the log).
   */
  route?: 'batch' | 'realtime' | 'both';
  realtime?: RealtimeOptions;
  /**
   * The run's description (solver, version, parameters): any JSON object of at most 64 KiB, stored
   * with the schema in the manifest and each file's `simingest.schema` metadata. Reopening with
   * different metadata is `ERR_SCHEMA_CONFLICT`.
   */
  metadata?: { [key: string]: JsonValue };
  /** This stream's `commitIntervalMs` (overrides the dataset's; 0: never). */
  commitIntervalMs?: number;
  /**
   * A row appender's hand-off (`Ingestor.appender()`, ADR 0021): its rows go to the engine as one
   * frame once `rows` have gathered (1..16777216, default 65536) or the first pending row is
   * `intervalMs` old (checked at each append; default 100, 0: no limit), and at flush/close.
   */
  appender?: { rows?: number; intervalMs?: number };
}

/** The realtime log of a `realtime` or `both` stream (docs/ON_DISK.md "The realtime log"). */
export interface RealtimeOptions {
  /** Route `both`: frames whose step is a multiple of this go to the log too (default 1). */
  everySteps?: number;
  /** Group commit: write and fsync once the oldest waiting frame is this old (default 50 ms)… */
  syncEveryMs?: number;
  /** …or this many frames wait (default 4096). */
  syncEveryFrames?: number;
  /** Avro block codec (default `null`). */
  codec?: 'null' | 'deflate' | 'zstandard';
  /**
   * Route `realtime`: at close (and at the next open after a crash) the log becomes Parquet files like
   * a batch stream's, and its segments are deleted (default true; docs/ON_DISK.md "Compaction").
   * `false` keeps the Avro segments and writes no Parquet.
   */
  compact?: boolean;
}

export type BackpressurePolicy = 'block' | 'error' | 'drop';

export interface Config {
  streams: Record<string, StreamConfig>;
  compression?: { codec?: 'zstd' | 'none'; level?: number };
  /** Target uncompressed bytes of a row group (default 64 MiB). */
  rowGroupBytes?: number;
  /** Target uncompressed bytes of a data page (default 1 MiB). */
  pageBytes?: number;
  /** A file is committed once it holds this many bytes (default 512 MiB). */
  fileBytes?: number;
  /**
   * Bounded staleness: no accepted frame stays uncommitted longer than this many milliseconds
   * (default 60000; 0: never). The engine then seals the stream's open row group and commits its
   * open file, so a slow writer makes at most one file per interval and stream. Streams may
   * override it.
   */
  commitIntervalMs?: number;
  /** Hard budget for frames in flight, at least 1 MiB (default 256 MiB). */
  memoryLimit?: number;
  /** Bytes of query results alive at once, at least 1 MiB (default 4 GiB): a query whose batches
   * would exceed it fails with `ERR_RESOURCE_LIMIT` (use `scan()` for larger results). */
  queryMemoryLimit?: number;
  /** Engine worker threads (default: one per hardware thread). */
  workers?: number;
  /** What ingest does when the memory budget is full (default `block`, waiting forever). */
  backpressure?: BackpressurePolicy | { policy?: BackpressurePolicy; timeoutMs?: number };
  /** Worker CPU pinning: `none` (default), `numa` (workers spread over NUMA nodes), or CPU ids. */
  affinity?: 'none' | 'numa' | number[];
  /**
   * How committed files are checked when the dataset is opened: `footer` (default: size,
   * magic, footer length and footer CRC-32C) or `full` (also every byte's CRC-32C). A file
   * that fails is moved to `_simingest/quarantine/` and the open fails once with
   * `ERR_CORRUPT` naming it; opening again succeeds without it.
   */
  verifyOnOpen?: 'footer' | 'full';
  /**
   * Restart from the solver's checkpoint at this step: frames after it already in
   * the dataset are set aside under `_simingest/retired/` (reported in
   * `stats().recovery.retired`) and re-run frames at steps the dataset still holds
   * are skipped (`framesSkippedDuplicate`). See `checkpoint()`.
   */
  resumeFromStep?: number;
  /**
   * When `ingest()` of a frame on the realtime path returns: `ack-after-accept` (default: once it
   * is queued for the log) or `ack-after-fsync` (once the log holding it is fsynced).
   */
  durability?: 'ack-after-accept' | 'ack-after-fsync';
  /**
   * What reopening a dataset accepts as a change of a stream's schema: `strict` (default: none,
   * `ERR_SCHEMA_CONFLICT`) or `additive` (added and removed columns, widened types: int8→…→int64,
   * uint8→…→uint64, float32→float64, int/uint up to 32 bits→float64). Each accepted change is a new
   * schema version (manifest, `simingest.schemaVersion` of every file); queries return the unified
   * table. docs/ON_DISK.md "Schema evolution".
   */
  schemaEvolution?: 'strict' | 'additive';
  /**
   * Open the dataset as writer `id` of `count` cooperating writers (e.g. MPI rank and size): each
   * writer commits into its own part `writer=<id>/` with its own manifest and lock, and readers
   * (`openDataset`, inspect) see the union of every writer's committed files. Two processes with
   * the same id: `ERR_DATASET_LOCKED`; a count other than the one the dataset was created with:
   * `ERR_CONFIG`. Only `route: 'batch'` streams. docs/adr/0020-shared-datasets.md.
   */
  writer?: { id: number; count: number };
}

/** The declared dtype of a column, whichever way the config spelled it. */
export function declaredDtype(config: Config, stream: string, column: string): Dtype | undefined {
  const streams = config.streams as Record<string, StreamConfig | undefined>;
  const columns = streams[stream]?.columns;
  if (!columns || !Object.prototype.hasOwnProperty.call(columns, column)) return undefined;
  const spec = columns[column];
  return typeof spec === 'string' ? spec : spec?.dtype;
}

/** Bytes of one element of each dtype. */
export const DTYPE_BYTES: Record<Dtype, number> = {
  float32: 4,
  float64: 8,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
};

/** simingest_dtype values of the C ABI. */
export const DTYPE_CODES: Record<Dtype, number> = {
  float32: 1,
  float64: 2,
  int8: 3,
  int16: 4,
  int32: 5,
  int64: 6,
  uint8: 7,
  uint16: 8,
  uint32: 9,
  uint64: 10,
};

/** The typed-array class that carries each dtype. */
export const DTYPE_ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
} as const;

/** The typed array that carries each dtype (over an ArrayBuffer or a SharedArrayBuffer). */
export interface DtypeArrays {
  float32: Float32Array;
  float64: Float64Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
}
export type ColumnArray = DtypeArrays[Dtype];
