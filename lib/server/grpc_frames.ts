// A gRPC Frame message (as @grpc/proto-loader decodes it: keepCase, int64 as
// decimal strings, enums as names) as the Frame an Ingestor takes.
import { describe, SimingestError } from '../errors.js';
import type { ColumnValue, Frame } from '../frame.js';
import { columnFromBytes, type ColumnCompression, type ColumnScratch } from './column_bytes.js';

export interface FrameMessage {
  stream: string;
  step: string;
  time: number;
  columns: { name: string; dtype: string; data: Buffer; compression: string }[];
}

const COMPRESSION: Record<string, ColumnCompression> = { COMPRESSION_NONE: 'none', COMPRESSION_ZSTD: 'zstd' };

/** With `scratch`, unaligned columns are copied into it (rewound by the caller once the frame was ingested). */
export function frameFromMessage(message: FrameMessage, scratch?: ColumnScratch): Frame {
  const step = BigInt(message.step);
  // No prototype: a column named "__proto__" stays a column (and the engine names it).
  const columns: Record<string, ColumnValue> = Object.create(null) as Record<string, ColumnValue>;
  for (const column of message.columns) {
    if (Object.prototype.hasOwnProperty.call(columns, column.name)) {
      throw new SimingestError(`columns.${column.name}: given twice`, 'ERR_INVALID_ARGUMENT');
    }
    const compression = COMPRESSION[column.compression];
    if (compression === undefined) {
      throw new SimingestError(`Expected COMPRESSION_NONE or COMPRESSION_ZSTD for columns.${column.name}.compression but received ${describe(column.compression)}`, 'ERR_INVALID_ARGUMENT');
    }
    columns[column.name] = columnFromBytes(column.name, column.dtype, column.data, compression, scratch);
  }
  // Steps within 2^53 go as numbers (what stats() and most callers use).
  return { step: Number.isSafeInteger(Number(step)) ? Number(step) : step, time: message.time, columns };
}
