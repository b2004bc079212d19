// The host-side buffers of an appender sized from the stream's configuration
// (ADR 0021): a batch of at most HOST_ROWS rows, fewer when the stream's
// appender.rows is smaller (the engine would hand a frame within the batch
// anyway, and a small appender.rows asks for rows to reach readers soon).
import { HOST_ROWS, rowBuffers, type RowBuffers, type RowLayout } from './appender.js';
import type { Config } from './config.js';

interface StreamSpec {
  nonFinite?: string;
  appender?: { rows?: number };
  columns?: Record<string, string | { dtype?: string; nonFinite?: string }>;
}

export function appenderBuffers(config: Config, stream: string, layout: RowLayout): RowBuffers {
  const streams = config.streams as Record<string, StreamSpec | undefined>;
  const spec = Object.prototype.hasOwnProperty.call(streams, stream) ? streams[stream] : undefined;
  const rows = spec?.appender?.rows;
  const capacity = typeof rows === 'number' && rows >= 1 ? Math.min(HOST_ROWS, Math.floor(rows)) : HOST_ROWS;
  // Float columns whose nonFinite policy (the column's own, else the stream's)
  // is "reject": a row with a non-finite value there is handed at once, so the
  // engine's refusal reaches the append() that made it.
  const reject: number[] = [];
  layout.names.forEach((name, i) => {
    const column = spec?.columns?.[name];
    const policy = (typeof column === 'object' ? column?.nonFinite : undefined) ?? spec?.nonFinite;
    if (policy === 'reject' && layout.dtypes[i]!.startsWith('float')) reject.push(i);
  });
  return rowBuffers(layout, capacity, reject);
}
