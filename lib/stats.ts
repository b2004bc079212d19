// The statistics document of simingest_stats_json (docs/STATS.md), typed.

import type { IndexStatistics, SchemaVersionSummary } from './inspect.js';

export interface StageStats {
  count: number;
  totalNs: number;
  maxNs: number;
  /** histogram[i] counts durations d with 2^i <= d < 2^(i+1) ns. */
  histogram: number[];
}

export interface StreamStats {
  framesAccepted: number;
  framesCommitted: number;
  framesDropped: number;
  /** After `resumeFromStep`: re-run frames at steps the dataset already held, accepted but not written. */
  framesSkippedDuplicate: number;
  framesInFlight: number;
  framesRejected: number;
  rowsCommitted: number;
  bytesIn: number;
  bytesWritten: number;
  filesCommitted: number;
}

/** The error a quantised column's rounding really made (docs/STATS.md), over its finite values. */
export interface QuantizeErrorStats {
  mode: 'mantissaBits' | 'relError' | 'absError';
  values: number;
  maxAbsError: number;
  maxRelError: number;
  rmsError: number;
}

/** One stream's entry in `stats().streams`: its counters and its time index. */
export interface StreamEntryStats extends StreamStats {
  /** The time index of the stream's committed files, as `inspect` shows it. */
  index: IndexStatistics;
  /** By column name; only for a stream with quantised columns. */
  quantize?: Record<string, QuantizeErrorStats>;
  /** The stream's newest schema version: 1 for a stream that never evolved (schemaEvolution "additive"). */
  schemaVersion: number;
  /** Every version, oldest first, as `inspect` shows it; empty for a stream that never evolved. */
  schemaHistory: SchemaVersionSummary[];
}

/** A file with frames after `resumeFromStep`, set aside (docs/RELIABILITY.md). */
export interface RetiredFile {
  /** Where it was, relative to the dataset. */
  path: string;
  /** Where it is now, under `_simingest/retired/`. */
  movedTo: string;
  stream: string;
  framesRetired: number;
  /** Steps of the retired frames. */
  stepMin: number;
  stepMax: number;
  /** The new file holding its frames up to the step, or null if none were kept. */
  keptAs: string | null;
  framesKept: number;
}

/** What opening the dataset found and did (storage/recovery_report.hpp). */
export interface RecoveryReport {
  clean: boolean;
  resumedFromStep: number | null;
  salvaged: { path: string; rowGroups: number; frames: number; rows: number; bytesDiscarded: number }[];
  removed: { path: string; bytes: number }[];
  missing: { path: string; frames: number }[];
  /** Names that look like simingest's but are not ones it writes (bytes escaped, e.g. `\\xff`): left alone. */
  ignored: { path: string; reason: string }[];
  quarantined: { path: string; movedTo: string; reason: string; framesLost: number }[];
  retired: RetiredFile[];
}

/** The realtime log's counters (docs/STATS.md), in total and per routed stream. */
export interface RealtimeLogCounters {
  frames: number;
  bytes: number;
  blocks: number;
  fsyncs: number;
}

/**
 * Compaction of a `realtime` stream's log into Parquet (docs/STATS.md), since open: at open (what
 * earlier sessions left) and at close. In total and per routed stream.
 */
export interface CompactionCounters {
  /** Compactions that moved at least one frame. */
  runs: number;
  /** Frames moved from the log into Parquet files. */
  frames: number;
  /** Log bytes read. */
  bytesIn: number;
  /** Parquet bytes committed. */
  bytesOut: number;
  /** Parquet files committed. */
  files: number;
  /** Log segments deleted once all their frames were in Parquet. */
  segmentsRetired: number;
  /** The last compaction's error (its frames stay in the log); null if it succeeded or none ran. */
  lastError: string | null;
}

export interface RealtimeStats extends RealtimeLogCounters {
  /** Torn last blocks this open cut off. */
  truncated: { path: string; keptBytes: number; cutBytes: number; reason: string }[];
  /** In-process subscribers (simingest_subscribe / Ingestor.subscribe). */
  subscriptions: {
    subscribers: number;
    delivered: number;
    /** Frames a full queue dropped (policy dropOldest). */
    dropped: number;
    /** Subscribers ended by a full queue (policy disconnect). */
    disconnected: number;
    /** Frames queued and not yet delivered, over all subscribers, and the most for one. */
    lagFrames: number;
    maxLagFrames: number;
  };
  /** Compaction, summed over the streams (lastError: the last stream's that has one). */
  compaction: CompactionCounters;
  streams: Record<string, RealtimeLogCounters & { path: string; compaction: CompactionCounters }>;
}

export interface Stats extends StreamStats {
  memoryUsed: number;
  memoryPeak: number;
  memoryLimit: number;
  queueDepth: number;
  workers: number;
  streams: Record<string, StreamEntryStats>;
  recovery: RecoveryReport;
  /** Only when a stream is routed `realtime` or `both`. */
  realtime?: RealtimeStats;
  /** Loaned frames (LoanedFrame): begun, and how they ended; `leaked` were reclaimed at close or freed while open. */
  loans: { begun: number; committed: number; aborted: number; refused: number; leaked: number; open: number };
  stages: Record<'validate' | 'queue' | 'stats' | 'encode' | 'compress' | 'write' | 'fsync', StageStats>;
}
