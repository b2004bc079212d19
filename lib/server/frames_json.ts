// The JSON body of POST /v1/streams/{stream}/frames: one frame
// `{step, time, columns}` or an array of them. A column is a number (the same
// value for every row), an array of numbers (of the column's declared dtype),
// or `{dtype, base64}` holding the little-endian bytes of its values. Values
// are checked against the dtype here only as far as JSON needs it (an int
// column gets integers in range, never a silently truncated 1.5); every other
// rule (names, lengths, dtypes, grids) is the engine's.
import { DTYPE_ARRAYS, declaredDtype, type ColumnArray, type Config, type Dtype } from '../config.js';
import { describe, SimingestError } from '../errors.js';
import { checkScalar, type ColumnValue, type Frame } from '../frame.js';
import { columnFromBytes } from './column_bytes.js';

// JSON has no NaN or infinities: the query's JSON output writes them as strings, and so may a body.
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function fail(message: string, code: 'ERR_INVALID_ARGUMENT' | 'ERR_DTYPE_MISMATCH' = 'ERR_INVALID_ARGUMENT'): never {
  throw new SimingestError(message, code);
}

function arrayColumn(name: string, dtype: Dtype, values: unknown[]): ColumnArray {
  const label = `columns.${name}`;
  const array = new DTYPE_ARRAYS[dtype](values.length);
  if (dtype === 'float32' || dtype === 'float64') {
    for (let i = 0; i < values.length; i += 1) {
      const v = values[i];
      const n = typeof v === 'number' ? v : typeof v === 'string' ? NON_FINITE[v] : undefined;
      if (n === undefined) fail(`Expected a number for ${label}[${i}] but received ${describe(v)}`, 'ERR_DTYPE_MISMATCH');
      array[i] = n;
    }
    return array;
  }
  if (dtype === 'int64' || dtype === 'uint64') {
    const big = array as BigInt64Array | BigUint64Array;
    const [lo, hi] = dtype === 'int64' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
    for (let i = 0; i < values.length; i += 1) {
      const v = values[i];
      // Digits as a string carry 64-bit integers past 2^53 exactly.
      const n = Number.isSafeInteger(v) ? BigInt(v as number) : typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : undefined;
      if (n === undefined || n < lo || n > hi) {
        fail(`Expected a safe integer or a string of digits within ${dtype} for ${label}[${i}] but received ${describe(v)}`, 'ERR_DTYPE_MISMATCH');
      }
      big[i] = n;
    }
    return array;
  }
  // 8- to 32-bit integers: the check a scalar column of the dtype gets.
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i];
    checkScalar(v as number, dtype, `${name}[${i}]`);
    array[i] = v as number;
  }
  return array;
}

function columnValue(config: Config, stream: string, name: string, value: unknown): ColumnValue {
  const label = `columns.${name}`;
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) {
    // An undeclared column still goes to the engine, which names it (ERR_UNKNOWN_COLUMN).
    return arrayColumn(name, declaredDtype(config, stream, name) ?? 'float64', value);
  }
  if (typeof value === 'object' && value !== null) {
    const { dtype, base64 } = value as { dtype?: unknown; base64?: unknown };
    if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
      fail(`Expected {dtype, base64} with base64 text for ${label} but received ${describe(base64)}`);
    }
    return columnFromBytes(name, dtype, Buffer.from(base64, 'base64'));
  }
  return fail(`Expected a number, an array of numbers or {dtype, base64} for ${label} but received ${describe(value)}`);
}

function frameOf(config: Config, stream: string, value: unknown, label: string): Frame {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`Expected a frame {step, time, columns} for ${label} but received ${describe(value)}`);
  }
  const { step, time, columns } = value as { step?: unknown; time?: unknown; columns?: unknown };
  const parsedStep = typeof step === 'string' && /^-?\d+$/.test(step) ? BigInt(step) : step;
  if (!(Number.isSafeInteger(parsedStep) || typeof parsedStep === 'bigint')) {
    fail(`Expected an integer (or a string of digits) for ${label}.step but received ${describe(step)}`);
  }
  if (typeof time !== 'number') fail(`Expected a number for ${label}.time but received ${describe(time)}`);
  if (typeof columns !== 'object' || columns === null || Array.isArray(columns)) {
    fail(`Expected an object of columns for ${label}.columns but received ${describe(columns)}`);
  }
  // No prototype: a column named "__proto__" stays a column (and the engine names it), not a prototype.
  const out: Record<string, ColumnValue> = Object.create(null) as Record<string, ColumnValue>;
  for (const [name, column] of Object.entries(columns)) out[name] = columnValue(config, stream, name, column);
  return { step: parsedStep as number | bigint, time, columns: out };
}

/** The frames of a JSON body (all of them checked before any is ingested). */
export function framesFromJson(config: Config, stream: string, body: Buffer): Frame[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    fail(`body: malformed JSON (${(error as Error).message})`);
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) fail('body: an empty array of frames');
    return parsed.map((frame, i) => frameOf(config, stream, frame, `frames[${i}]`));
  }
  return [frameOf(config, stream, parsed, 'frame')];
}
