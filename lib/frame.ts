// What one ingest call carries, and how it is checked before it reaches the
// engine. Only JavaScript shapes are checked here (is it a typed array or a
// number, is the step an integer); everything the engine can check — dtypes,
// lengths, names — it checks, so every host reports those failures the same way.
import {
  DTYPE_ARRAYS,
  DTYPE_BYTES,
  DTYPE_CODES,
  declaredDtype,
  type ColumnArray,
  type Config,
  type Dtype,
} from './config.js';
import { expectArgument, SimingestError } from './errors.js';

/** A column's values: a typed array of the declared dtype, or one number (bigint for 64-bit integers) for every row. */
export type ColumnValue = ColumnArray | number | bigint;

export interface Frame {
  step: number | bigint;
  time: number;
  columns: Record<string, ColumnValue>;
}

/** The arguments of NativeIngestor.ingestNowait plus the frame's data size. */
export interface PreparedFrame {
  stream: string;
  step: number | bigint;
  time: number;
  names: string[];
  dtypes: number[];
  values: ColumnValue[];
  bytes: number;
}

const INT_RANGES: Partial<Record<Dtype, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
};
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function article(word: string): string {
  return /^[AEIOUaeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

function isDetached(buffer: ArrayBufferLike): boolean {
  // ArrayBuffer.prototype.detached exists from Node 22; the addon checks on Node 20.
  return (buffer as { detached?: boolean }).detached === true;
}

/** Whether one value fits `dtype`: what checkScalar accepts, without building an error. */
export function scalarFits(value: unknown, dtype: Dtype): boolean {
  if (dtype === 'float64' || dtype === 'float32') return typeof value === 'number';
  if (dtype === 'int64' || dtype === 'uint64') {
    const [lo, hi] = dtype === 'int64' ? [INT64_MIN, INT64_MAX] : [0n, UINT64_MAX];
    return (
      (typeof value === 'bigint' && value >= lo && value <= hi) ||
      (typeof value === 'number' && Number.isSafeInteger(value) && BigInt(value) >= lo)
    );
  }
  const [lo, hi] = INT_RANGES[dtype]!;
  return typeof value === 'number' && Number.isInteger(value) && value >= lo && value <= hi;
}

/** Whether one value fits `dtype` (the error names it `columns.<name>`). */
export function checkScalar(value: number | bigint, dtype: Dtype, name: string): void {
  if (scalarFits(value, dtype)) return;
  const expected =
    dtype === 'float32' || dtype === 'float64'
      ? 'a number'
      : dtype === 'int64' || dtype === 'uint64'
        ? `a bigint or safe integer within ${dtype}`
        : `an integer from ${INT_RANGES[dtype]![0]} to ${INT_RANGES[dtype]![1]}`;
  expectArgument(false, expected, `columns.${name}`, value, 'ERR_DTYPE_MISMATCH');
}

// Declared dtypes by stream, looked up once per (config, stream, column): the
// config is the ingestor's own snapshot, which nothing changes after open().
const declaredByConfig = new WeakMap<Config, Map<string, (column: string) => Dtype | undefined>>();

function declaredDtypes(config: Config, stream: string): (column: string) => Dtype | undefined {
  let byStream = declaredByConfig.get(config);
  if (byStream === undefined) {
    byStream = new Map();
    declaredByConfig.set(config, byStream);
  }
  let lookup = byStream.get(stream);
  if (lookup === undefined) {
    const known = new Map<string, Dtype | undefined>();
    lookup = (column: string): Dtype | undefined => {
      let dtype = known.get(column);
      if (dtype === undefined && !known.has(column)) {
        dtype = declaredDtype(config, stream, column);
        // Only declared names are kept, so odd column names cannot grow the map.
        if (dtype !== undefined) known.set(column, dtype);
      }
      return dtype;
    };
    // Undeclared streams are the engine's to report; they are not kept either.
    if (Object.prototype.hasOwnProperty.call(config.streams ?? {}, stream)) byStream.set(stream, lookup);
  }
  return lookup;
}

export function prepareFrame(config: Config, stream: string, frame: Frame): PreparedFrame {
  expectArgument(typeof stream === 'string', 'a string', 'stream', stream);
  expectArgument(
    typeof frame === 'object' && frame !== null,
    'a frame { step, time, columns } or an apache-arrow Table or RecordBatch',
    'frame',
    frame,
  );
  const { step, time, columns } = frame;
  expectArgument(
    (typeof step === 'number' && Number.isSafeInteger(step)) ||
      (typeof step === 'bigint' && step >= INT64_MIN && step <= INT64_MAX),
    'an integer',
    'step',
    step,
  );
  expectArgument(typeof time === 'number', 'a number', 'time', time);
  expectArgument(
    typeof columns === 'object' && columns !== null && !Array.isArray(columns) && !ArrayBuffer.isView(columns),
    'an object of columns',
    'columns',
    columns,
  );
  const declared = declaredDtypes(config, stream);
  // Object.keys gives a fresh array each call, so it can be handed on as is:
  // a frame that waits for room keeps its own names, dtypes and values.
  const names = Object.keys(columns);
  const count = names.length;
  const dtypes = new Array<number>(count);
  const values = new Array<ColumnValue>(count);
  let bytes = 0;
  for (let i = 0; i < count; i += 1) {
    const name = names[i]!;
    const value = columns[name] as unknown;
    if (typeof value === 'number' || typeof value === 'bigint') {
      // An undeclared column is the engine's to report (ERR_UNKNOWN_COLUMN).
      const dtype: Dtype = declared(name) ?? (typeof value === 'bigint' ? 'int64' : 'float64');
      checkScalar(value, dtype, name);
      bytes += DTYPE_BYTES[dtype];
      dtypes[i] = DTYPE_CODES[dtype];
    } else if (ArrayBuffer.isView(value)) {
      const label = `columns.${name}`;
      expectArgument(!(value instanceof DataView), 'a typed array', label, value);
      // A typed array of another element type goes to the engine as what it is:
      // the engine reports the mismatch in the same words to every host.
      if (isDetached(value.buffer)) {
        throw new SimingestError(`${label}: the ArrayBuffer is detached`, 'ERR_INVALID_ARGUMENT');
      }
      bytes += value.byteLength;
      dtypes[i] = 0; // the addon reads a typed array's dtype from the array itself
    } else {
      const dtype = declared(name);
      const expected = dtype ? `${article(DTYPE_ARRAYS[dtype].name)} or a number` : 'a typed array or a number';
      expectArgument(false, expected, `columns.${name}`, value);
    }
    values[i] = value as ColumnValue;
  }
  return { stream, step, time, names, dtypes, values, bytes };
}
