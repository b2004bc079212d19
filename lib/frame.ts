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

function checkScalar(value: number | bigint, dtype: Dtype, name: string): void {
  const label = `columns.${name}`;
  if (dtype === 'float32' || dtype === 'float64') {
    expectArgument(typeof value === 'number', 'a number', label, value, 'ERR_DTYPE_MISMATCH');
    return;
  }
  if (dtype === 'int64' || dtype === 'uint64') {
    const [lo, hi] = dtype === 'int64' ? [INT64_MIN, INT64_MAX] : [0n, UINT64_MAX];
    const ok =
      (typeof value === 'bigint' && value >= lo && value <= hi) ||
      (typeof value === 'number' && Number.isSafeInteger(value) && BigInt(value) >= lo);
    expectArgument(ok, `a bigint or safe integer within ${dtype}`, label, value, 'ERR_DTYPE_MISMATCH');
    return;
  }
  const [lo, hi] = INT_RANGES[dtype]!;
  expectArgument(
    typeof value === 'number' && Number.isInteger(value) && value >= lo && value <= hi,
    `an integer from ${lo} to ${hi}`,
    label,
    value,
    'ERR_DTYPE_MISMATCH',
  );
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
  const names: string[] = [];
  const dtypes: number[] = [];
  const values: ColumnValue[] = [];
  let bytes = 0;
  for (const name of Object.keys(columns)) {
    const value = columns[name] as unknown;
    const declared = declaredDtype(config, stream, name);
    const label = `columns.${name}`;
    if (ArrayBuffer.isView(value)) {
      expectArgument(!(value instanceof DataView), 'a typed array', label, value);
      // A typed array of another element type goes to the engine as what it is:
      // the engine reports the mismatch in the same words to every host.
      if (isDetached(value.buffer)) {
        throw new SimingestError(`${label}: the ArrayBuffer is detached`, 'ERR_INVALID_ARGUMENT');
      }
      bytes += value.byteLength;
      dtypes.push(0); // the addon reads a typed array's dtype from the array itself
    } else if (typeof value === 'number' || typeof value === 'bigint') {
      // An undeclared column is the engine's to report (ERR_UNKNOWN_COLUMN).
      const dtype: Dtype = declared ?? (typeof value === 'bigint' ? 'int64' : 'float64');
      checkScalar(value, dtype, name);
      bytes += DTYPE_BYTES[dtype];
      dtypes.push(DTYPE_CODES[dtype]);
    } else {
      const expected = declared ? `${article(DTYPE_ARRAYS[declared].name)} or a number` : 'a typed array or a number';
      expectArgument(false, expected, label, value);
    }
    names.push(name);
    values.push(value as ColumnValue);
  }
  return { stream, step, time, names, dtypes, values, bytes };
}
