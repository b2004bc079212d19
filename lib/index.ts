// simingest: ingest the arrays of a running simulation into a crash-safe,
// time-partitioned Parquet dataset without stalling the solver.
export { Ingestor, nativeVersion, type WritableOptions } from './ingestor.js';
export { Appender } from './appender.js';
export { SimingestError, STATUS_CODES, type SimingestErrorCode } from './errors.js';
export type {
  BackpressurePolicy,
  ColumnArray,
  ColumnEncoding,
  ColumnOptions,
  JsonValue,
  Config,
  Dtype,
  NonFinitePolicy,
  PartitionConfig,
  RealtimeOptions,
  QuantizeOption,
  StreamConfig,
} from './config.js';
export type { ColumnValue, Frame } from './frame.js';
export type { ArrowInput } from './arrow.js';
export type {
  QuantizeErrorStats,
  RealtimeLogCounters,
  RealtimeStats,
  RecoveryReport,
  RetiredFile,
  Stats,
  StreamStats,
  StreamEntryStats,
  StageStats,
} from './stats.js';
export { Dataset } from './dataset.js';
export { LoanedFrame, type LoanedColumn } from './loaned_frame.js';
export type { QueryOptions, ResultArray } from './query.js';
export type { GridResult } from './query_grid.js';
export type { SubscribedFrame, SubscribeOptions, SubscribePolicy } from './subscription.js';
export type { QueryGridOptions, QueryTableOptions } from './query_run.js';
export { inspectDataset, type DatasetSummary, type StreamSummary, type SchemaVersionSummary, type IndexStatistics, type FileListing, type ParquetColumn } from './inspect.js';
export { verifyDataset, type VerifyReport } from './verify.js';
