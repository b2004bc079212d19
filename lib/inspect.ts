// A dataset summary read from the manifest alone (docs/ON_DISK.md):
// the manifest lists exactly the committed files, with their rows, ranges and
// per-column sizes, so no Parquet footer needs to be opened.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { crc32c } from './crc32c.js';
import { SimingestError } from './errors.js';

interface ManifestColumn {
  name: string;
  uncompressedBytes: number;
  compressedBytes: number;
}
interface ManifestFile {
  stream: string;
  partition: number;
  path: string;
  rows: number;
  frames: number;
  rowGroups: number;
  bytes: number;
  stepMin: number;
  stepMax: number;
  timeMin: number;
  timeMax: number;
  columns: ManifestColumn[];
  committedAt: string;
}
interface StreamSchema {
  columns: { name: string; dtype: string }[];
  grid: number[];
  partition: { steps?: number; time?: number };
}
/** A file moved aside as corrupt when the dataset was opened (docs/ON_DISK.md). */
export interface QuarantinedFile {
  path: string;
  movedTo: string;
  reason: string;
  framesLost: number;
}
interface Manifest {
  format: string;
  version: number;
  streams: Record<string, { schema: StreamSchema }>;
  files: ManifestFile[];
  /** Absent in version 1 manifests. */
  quarantined?: QuarantinedFile[];
}

export interface ColumnSummary {
  name: string;
  dtype: string;
  uncompressedBytes: number;
  compressedBytes: number;
  /** uncompressed / compressed; null when nothing is stored yet. */
  compressionRatio: number | null;
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
}

function ratio(uncompressed: number, compressed: number): number | null {
  return compressed > 0 ? uncompressed / compressed : null;
}

/** One copy of the manifest, or why it could not be used. */
async function readManifestCopy(file: string): Promise<Manifest | { error: string }> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (error) {
    const cause = error as NodeJS.ErrnoException;
    return { error: cause.code === 'ENOENT' ? 'missing' : cause.message };
  }
  const text = raw.toString('utf8');
  try {
    const manifest = JSON.parse(text) as Manifest;
    if (manifest?.format !== 'simingest-manifest' || !Array.isArray(manifest.files) || typeof manifest.streams !== 'object')
      return { error: 'not a simingest manifest' };
    // Version 2 ends with its own CRC-32C over every byte before it (docs/ON_DISK.md).
    if (manifest.version >= 2) {
      const tail = /,\n {2}"manifestCrc32c": "([0-9a-f]{8})"\n\}\n$/.exec(text);
      if (!tail) return { error: 'damaged (manifestCrc32c missing or not last)' };
      const covered = Buffer.byteLength(text.slice(0, tail.index), 'utf8');
      const actual = crc32c(raw.subarray(0, covered)).toString(16).padStart(8, '0');
      if (actual !== tail[1]) return { error: `damaged (CRC-32C ${actual}, recorded ${tail[1]})` };
    }
    return manifest;
  } catch (error) {
    return { error: `damaged (${(error as Error).message})` };
  }
}

/**
 * Summarises the dataset at `dir` from its manifest. The engine keeps two
 * copies (docs/ON_DISK.md), the backup never older than the primary: when
 * `manifest.json` is missing or damaged the backup is read and the summary
 * says so (`manifestSource`); the next open of the dataset repairs it.
 */
export async function inspectDataset(dir: string): Promise<DatasetSummary> {
  const primaryPath = path.join(dir, '_simingest', 'manifest.json');
  const backupPath = path.join(dir, '_simingest', 'manifest.bak.json');
  const primary = await readManifestCopy(primaryPath);
  let manifest: Manifest;
  let manifestSource: DatasetSummary['manifestSource'] = 'manifest.json';
  if (!('error' in primary)) {
    manifest = primary;
  } else {
    const backup = await readManifestCopy(backupPath);
    if ('error' in backup) {
      if (primary.error === 'missing' && backup.error === 'missing')
        throw new SimingestError(`${primaryPath}: not a simingest dataset (no manifest)`, 'ERR_IO');
      throw new SimingestError(`${dir}: manifest.json: ${primary.error}; manifest.bak.json: ${backup.error}`, 'ERR_IO');
    }
    manifest = backup;
    manifestSource = `manifest.bak.json (manifest.json ${primary.error})`;
  }
  const streams: StreamSummary[] = Object.entries(manifest.streams).map(([name, { schema }]) => {
    const files = manifest.files.filter((file) => file.stream === name);
    const columnBytes = new Map<string, { u: number; c: number }>();
    for (const file of files) {
      for (const column of file.columns) {
        const sum = columnBytes.get(column.name) ?? { u: 0, c: 0 };
        sum.u += column.uncompressedBytes;
        sum.c += column.compressedBytes;
        columnBytes.set(column.name, sum);
      }
    }
    const reserved = [
      { name: 'step', dtype: 'int64' },
      { name: 'time', dtype: 'float64' },
    ];
    const columns = [...reserved, ...schema.columns].map(({ name: column, dtype }) => {
      const sum = columnBytes.get(column) ?? { u: 0, c: 0 };
      return {
        name: column,
        dtype,
        uncompressedBytes: sum.u,
        compressedBytes: sum.c,
        compressionRatio: ratio(sum.u, sum.c),
      };
    });
    const sum = (key: 'rows' | 'frames' | 'bytes' | 'rowGroups') => files.reduce((acc, file) => acc + file[key], 0);
    const range = (lo: 'stepMin' | 'timeMin', hi: 'stepMax' | 'timeMax') =>
      files.length === 0
        ? null
        : { min: Math.min(...files.map((f) => f[lo])), max: Math.max(...files.map((f) => f[hi])) };
    return {
      name,
      columns,
      grid: schema.grid,
      partitioning: schema.partition,
      partitions: [...new Set(files.map((file) => file.partition))].sort((a, b) => a - b),
      files: files.length,
      frames: sum('frames'),
      rows: sum('rows'),
      rowGroups: sum('rowGroups'),
      bytes: sum('bytes'),
      steps: range('stepMin', 'stepMax'),
      time: range('timeMin', 'timeMax'),
    };
  });
  return {
    path: dir,
    formatVersion: manifest.version,
    manifestSource,
    streams,
    files: manifest.files.length,
    bytes: manifest.files.reduce((acc, file) => acc + file.bytes, 0),
    quarantined: manifest.quarantined ?? [],
  };
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

/** The human-readable report of `simingest inspect`. */
export function formatSummary(summary: DatasetSummary): string {
  const lines: string[] = [];
  lines.push(`dataset ${summary.path}  (manifest v${summary.formatVersion}, ${summary.files} files, ${formatBytes(summary.bytes)})`);
  if (summary.manifestSource !== 'manifest.json') {
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
    const nameWidth = Math.max(6, ...stream.columns.map((c) => c.name.length));
    lines.push(`  ${'column'.padEnd(nameWidth)}  dtype    ${'raw'.padStart(10)}  ${'stored'.padStart(10)}  ratio`);
    for (const column of stream.columns) {
      lines.push(
        `  ${column.name.padEnd(nameWidth)}  ${column.dtype.padEnd(7)}  ${formatBytes(column.uncompressedBytes).padStart(10)}  ` +
          `${formatBytes(column.compressedBytes).padStart(10)}  ${column.compressionRatio === null ? '-' : column.compressionRatio.toFixed(2) + 'x'}`,
      );
    }
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
