// The statistics document of simingest_stats_json (docs/STATS.md), typed.

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
  framesInFlight: number;
  framesRejected: number;
  rowsCommitted: number;
  bytesIn: number;
  bytesWritten: number;
  filesCommitted: number;
}

export interface Stats extends StreamStats {
  memoryUsed: number;
  memoryPeak: number;
  memoryLimit: number;
  queueDepth: number;
  workers: number;
  streams: Record<string, StreamStats>;
  stages: Record<'validate' | 'queue' | 'stats' | 'encode' | 'compress' | 'write' | 'fsync', StageStats>;
}
