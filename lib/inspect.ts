// A dataset summary read from the manifest alone (docs/ON_DISK.md), built by
// the engine (simingest_inspect_json): it reads and checks the manifest, and
// picks the backup copy when the primary is damaged, exactly as opening the
// dataset does. This file only declares the shape and formats it for people.
import addon from './native.js';

/** A file moved aside as corrupt when the dataset was opened (docs/ON_DISK.md). */
export interface QuarantinedFile {
  path: string;
  movedTo: string;
  reason: string;
  framesLost: number;
}

export interface ColumnSummary {
  name: string;
  dtype: string;
  uncompressedBytes: number;
  compressedBytes: number;
  /** uncompressed / compressed; null when nothing is stored yet. */
  compressionRatio: number | null;
  /**
   * Value range over the committed rows (NaN never counts); a float's infinity
   * is the string "Infinity" / "-Infinity". int64/uint64 values are exact JSON
   * integers: JSON.parse rounds those beyond 2^53. null when nothing is indexed.
   */
  min: number | string | null;
  max: number | string | null;
  nanCount: number | null;
}

/** The stream's time index statistics (docs/STATS.md "index"). */
export interface IndexStatistics {
  files: number;
  /** Files whose manifest entry carries a row-group index (older or salvaged files may not). */
  indexedFiles: number;
  frames: number;
  rows: number;
  steps: { min: number; max: number } | null;
  time: { min: number; max: number } | null;
  /** (time max - time min) / (frames - 1); null below two frames. */
  averageTimeDelta: number | null;
  /** 20 equal bins of frame times over [min, max]. */
  timeHistogram: { min: number; max: number; counts: number[] } | null;
  columns: { name: string; min: number | string | null; max: number | string | null; nanCount: number }[];
}

/** One leaf column of the Parquet schema, from a file's footer. */
export interface ParquetColumn {
  name: string;
  physicalType: string | null;
  logicalType: string | null;
  encodings: string[];
  codec: string | null;
}

/** One committed file as the manifest lists it. */
export interface FileListing {
  path: string;
  stream: string;
  partition: number;
  rows: number;
  frames: number;
  rowGroups: number;
  bytes: number;
  steps: { min: number; max: number };
  time: { min: number; max: number };
  indexed: boolean;
  committedAt: string;
  /** The stream's schema version the file was written with (docs/ON_DISK.md "Schema evolution"). */
  schemaVersion: number;
}

/** One version of a stream's schema (schemaEvolution: "additive"). */
export interface SchemaVersionSummary {
  version: number;
  /** The stream schema JSON of this version (docs/ON_DISK.md). */
  schema: { columns: { name: string; dtype: string }[]; grid: number[]; partition: object };
  /** The first step and time committed with it; null until a file of it is committed. */
  fromStep: number | null;
  fromTime: number | null;
  /** When it was accepted (UTC); "" for version 1. */
  registeredAt: string;
}

export interface StreamSummary {
  name: string;
  columns: ColumnSummary[];
  grid: number[];
  partitioning: { steps?: number; time?: number };
  partitions: number[];
  files: number;
  frames: number;
  rows: number;
  rowGroups: number;
  bytes: number;
  steps: { min: number; max: number } | null;
  time: { min: number; max: number } | null;
  index: IndexStatistics;
  /** The stream's newest schema version: 1 for a stream that never evolved. */
  schemaVersion: number;
  /** Every version, oldest first; empty for a stream that never evolved. */
  schemaHistory: SchemaVersionSummary[];
  /** The Parquet schema of the stream's newest file; null without files. */
  parquetSchema: ParquetColumn[] | null;
  parquetSchemaFile?: string;
  /** Why the newest file's footer could not be read, if it could not. */
  parquetSchemaError?: string;
}

export interface DatasetSummary {
  path: string;
  formatVersion: number;
  streams: StreamSummary[];
  files: number;
  bytes: number;
  /** Which manifest copy was read: the backup when the primary is missing or damaged. */
  manifestSource: string;
  /** Every file ever quarantined, oldest first. */
  quarantined: QuarantinedFile[];
  /** Every committed file, in commit order. */
  fileList: FileListing[];
  /** A shared dataset (config `writer`): its writers and the whole job's checkpoint. */
  writers?: SharedWriters;
}

/** The writers of a shared dataset (docs/adr/0020-shared-datasets.md). */
export interface SharedWriters {
  /** The writer count every writer gave. */
  count: number;
  /** Writers that have written a manifest so far. */
  present: number;
  writers: Array<{
    id: number;
    /** Its directory, `writer=<id>`. */
    path: string;
    manifestSource: string;
    files: number;
    /** Per stream its last durable step; null before its first commit. */
    lastDurableSteps: Record<string, number | null>;
  }>;
  /** Per stream the last step durable on every writer (resume the job from it); null while any writer has none. */
  jobDurableSteps: Record<string, number | null>;
}

/**
 * Summarises the dataset at `dir` from its manifest. The engine keeps two
 * copies (docs/ON_DISK.md), the backup never older than the primary: when
 * `manifest.json` is missing or damaged the backup is read and the summary
 * says so (`manifestSource`); the next open of the dataset repairs it.
 * Read-only and lock-free: works while an ingestor holds the dataset. Rejects
 * with ERR_IO when `dir` holds no dataset, ERR_CORRUPT when no manifest copy
 * is good.
 */
export async function inspectDataset(dir: string): Promise<DatasetSummary> {
  return JSON.parse(await addon.inspectJson(dir)) as DatasetSummary;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function formatValue(value: number | string | null): string {
  return value === null ? '-' : String(value);
}

/** The Parquet schema lines of one stream. */
function formatParquetSchema(stream: StreamSummary, lines: string[]): void {
  if (stream.parquetSchemaError !== undefined) {
    lines.push(`  parquet schema unreadable: ${stream.parquetSchemaError}`);
    return;
  }
  if (stream.parquetSchema === null) return;
  lines.push(`  parquet schema (${stream.parquetSchemaFile ?? 'newest file'})`);
  const nameWidth = Math.max(6, ...stream.parquetSchema.map((c) => c.name.length));
  for (const column of stream.parquetSchema) {
    const logical = column.logicalType === null ? '' : ` ${column.logicalType}`;
    lines.push(
      `    ${column.name.padEnd(nameWidth)}  ${(formatValue(column.physicalType) + logical).padEnd(26)}  ` +
        `${column.encodings.join(',')}  ${formatValue(column.codec)}`,
    );
  }
}

/** The time index lines of one stream. */
function formatIndex(index: IndexStatistics, lines: string[]): void {
  const delta = index.averageTimeDelta === null ? '-' : String(index.averageTimeDelta);
  lines.push(`  index       ${index.indexedFiles} of ${index.files} files indexed; average time delta ${delta}`);
  if (index.timeHistogram !== null) {
    lines.push(`  frame times ${index.timeHistogram.counts.join(' ')}  (20 bins over ${index.timeHistogram.min} .. ${index.timeHistogram.max})`);
  }
}

/** The `--files` listing of `simingest inspect`. */
export function formatFileList(summary: DatasetSummary): string {
  const lines = [`${summary.fileList.length} files`];
  for (const file of summary.fileList) {
    lines.push(
      `  ${file.path}  rows ${file.rows}, frames ${file.frames}, row groups ${file.rowGroups}, ${formatBytes(file.bytes)}, ` +
        `steps ${file.steps.min} .. ${file.steps.max}, time ${file.time.min} .. ${file.time.max}` +
        `${file.indexed ? '' : ', no index'}, committed ${file.committedAt}`,
    );
  }
  return lines.join('\n');
}

/** The human-readable report of `simingest inspect`. */
export function formatSummary(summary: DatasetSummary): string {
  const lines: string[] = [];
  lines.push(`dataset ${summary.path}  (manifest v${summary.formatVersion}, ${summary.files} files, ${formatBytes(summary.bytes)})`);
  if (summary.writers !== undefined) {
    // A shared dataset: the union of its writers' manifests (docs/adr/0020-shared-datasets.md).
    const w = summary.writers;
    const job = Object.entries(w.jobDurableSteps).map(([stream, step]) => `${stream} ${step ?? '-'}`).join(', ');
    lines.push(`  shared by ${w.count} writers (${w.present} present); last step durable on every writer: ${job || '-'}`);
    for (const writer of w.writers) {
      if (writer.manifestSource !== 'manifest.json') {
        lines.push(`  ${writer.path} read from ${writer.manifestSource}; opening that writer repairs it`);
      }
    }
  } else if (summary.manifestSource !== 'manifest.json') {
    lines.push(`  read from ${summary.manifestSource}; opening the dataset repairs it`);
  }
  for (const stream of summary.streams) {
    const part = stream.partitioning;
    const partitioning =
      part.steps !== undefined ? `every ${part.steps} steps` : part.time !== undefined ? `every ${part.time} time units` : 'none';
    lines.push('');
    lines.push(`stream ${stream.name}`);
    lines.push(`  grid        ${stream.grid.length > 0 ? stream.grid.join(' x ') + ' (rows in C order)' : 'none'}`);
    lines.push(`  partitions  ${partitioning}; present: ${stream.partitions.length > 0 ? stream.partitions.join(', ') : 'none'}`);
    lines.push(`  steps       ${stream.steps ? `${stream.steps.min} .. ${stream.steps.max}` : '-'}`);
    lines.push(`  time        ${stream.time ? `${stream.time.min} .. ${stream.time.max}` : '-'}`);
    lines.push(`  files ${stream.files}, row groups ${stream.rowGroups}, frames ${stream.frames}, rows ${stream.rows}, ${formatBytes(stream.bytes)} on disk`);
    for (const version of stream.schemaHistory ?? []) {
      const from = version.fromStep === null ? 'no file yet' : `from step ${version.fromStep}, time ${version.fromTime ?? '-'}`;
      const columns = version.schema.columns.map((c) => `${c.name}:${c.dtype}`).join(' ');
      lines.push(`  schema v${version.version}  ${from}: ${columns}`);
    }
    const nameWidth = Math.max(6, ...stream.columns.map((c) => c.name.length));
    formatIndex(stream.index, lines);
    lines.push(`  ${'column'.padEnd(nameWidth)}  dtype    ${'raw'.padStart(10)}  ${'stored'.padStart(10)}  ratio    min .. max (NaNs)`);
    for (const column of stream.columns) {
      const nans = column.nanCount ? ` (${column.nanCount} NaN)` : '';
      lines.push(
        `  ${column.name.padEnd(nameWidth)}  ${column.dtype.padEnd(7)}  ${formatBytes(column.uncompressedBytes).padStart(10)}  ` +
          `${formatBytes(column.compressedBytes).padStart(10)}  ${(column.compressionRatio === null ? '-' : column.compressionRatio.toFixed(2) + 'x').padEnd(7)}  ` +
          `${formatValue(column.min)} .. ${formatValue(column.max)}${nans}`,
      );
    }
    formatParquetSchema(stream, lines);
  }
  if (summary.quarantined.length > 0) {
    lines.push('');
    lines.push(`quarantined ${summary.quarantined.length} corrupt file(s), under _simingest/quarantine/`);
    for (const file of summary.quarantined) {
      lines.push(`  ${file.path}: ${file.reason} (${file.framesLost} frame${file.framesLost === 1 ? '' : 's'} lost)`);
    }
  }
  return lines.join('\n');
}

export { formatBytes };
