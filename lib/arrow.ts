// apache-arrow input: a Table or RecordBatch whose columns are matched to the
// stream's columns by name. Its `step` and `time` columns say which frame each
// row belongs to: every run of consecutive rows with equal (step, time) is one
// frame. Recognised and typed by shape, not instanceof, so a Table from any copy
// or version of apache-arrow the caller's program resolves works, not only ours.
import { DTYPE_ARRAYS, type Dtype } from './config.js';
import { describe, expectArgument } from './errors.js';
import type { Frame } from './frame.js';

/** What simingest uses of an apache-arrow `Table` or `RecordBatch` (both satisfy it). */
export interface ArrowInput {
  readonly numRows: number;
  readonly schema: { readonly fields: readonly { readonly name: string; readonly type: unknown }[] };
  getChild(name: string): unknown;
}

interface ArrowTypeShape {
  typeId: number;
  bitWidth?: number;
  isSigned?: boolean;
  precision?: number;
}
interface ArrowVectorShape {
  nullCount: number;
  toArray(): unknown;
}

// apache-arrow's Type enum values, stable across releases.
const ARROW_INT = 2;
const ARROW_FLOAT = 3;

export function isArrowInput(value: unknown): value is ArrowInput {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { schema?: { fields?: unknown }; getChild?: unknown; numRows?: unknown };
  return (
    typeof candidate.getChild === 'function' &&
    typeof candidate.numRows === 'number' &&
    Array.isArray(candidate.schema?.fields)
  );
}

function dtypeOfArrowType(type: ArrowTypeShape): Dtype | undefined {
  if (type.typeId === ARROW_FLOAT) {
    return type.precision === 1 ? 'float32' : type.precision === 2 ? 'float64' : undefined;
  }
  if (type.typeId === ARROW_INT && type.bitWidth !== undefined) {
    return `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}` as Dtype;
  }
  return undefined;
}

function columnArray(input: ArrowInput, name: string, type: ArrowTypeShape): ArrayLike<number | bigint> {
  const label = `column "${name}" of the arrow input`;
  const dtype = dtypeOfArrowType(type);
  expectArgument(dtype !== undefined, 'an arrow Int or Float (32/64-bit) type', label, type.toString());
  const vector = input.getChild(name) as unknown as ArrowVectorShape;
  expectArgument(vector.nullCount === 0, 'a column without nulls', label, `${vector.nullCount} nulls`);
  const array = vector.toArray();
  const expected = DTYPE_ARRAYS[dtype];
  expectArgument(array instanceof expected, `a ${expected.name}`, label, array);
  return array as ArrayLike<number | bigint>;
}

type Words = { words: Int32Array; per: number } | undefined;

// A typed array of 4- or 8-byte elements seen as 32-bit words (or undefined).
function words(array: ArrayLike<number | bigint>): Words {
  if (!ArrayBuffer.isView(array)) return undefined;
  const view = array as unknown as ArrayBufferView & { BYTES_PER_ELEMENT: number };
  const per = view.BYTES_PER_ELEMENT / 4;
  if ((per !== 1 && per !== 2) || view.byteOffset % 4 !== 0) return undefined;
  return { words: new Int32Array(view.buffer, view.byteOffset, view.byteLength / 4), per };
}

function sameWords(w: NonNullable<Words>, a: number, b: number): boolean {
  const x = w.words;
  return w.per === 1 ? x[a] === x[b] : x[2 * a] === x[2 * b] && x[2 * a + 1] === x[2 * b + 1];
}

/**
 * The row after the run of rows equal to `start` in step and time. Equal bits
 * are equal values, so rows are compared as 32-bit words, which reads a
 * 64-bit step without making a BigInt per row (that was most of the time a
 * 1 MiB frame took to split); rows whose bits differ are compared by value,
 * which keeps Object.is semantics for times (NaNs with different payloads
 * are one run, 0 and -0 are not).
 */
function runEnd(steps: ArrayLike<number | bigint>, times: ArrayLike<number | bigint>, stepWords: Words, timeWords: Words, start: number, rows: number): number {
  const byBits = stepWords !== undefined && timeWords !== undefined;
  let end = start + 1;
  while (
    end < rows &&
    ((byBits && sameWords(stepWords, end, start) && sameWords(timeWords, end, start)) ||
      (steps[end] === steps[start] && Object.is(times[end], times[start])))
  ) {
    end += 1;
  }
  return end;
}

/** Splits an arrow Table or RecordBatch into frames of consecutive rows with equal step and time. */
export function framesFromArrow(input: ArrowInput): Frame[] {
  const fields = input.schema.fields as unknown as { name: string; type: ArrowTypeShape }[];
  const byName = new Map(fields.map((field) => [field.name, field]));
  const stepField = byName.get('step');
  const timeField = byName.get('time');
  expectArgument(stepField !== undefined, 'a "step" column', 'the arrow input', fields.map((f) => f.name).join(', '));
  expectArgument(timeField !== undefined, 'a "time" column', 'the arrow input', fields.map((f) => f.name).join(', '));
  const steps = columnArray(input, 'step', stepField.type);
  const times = columnArray(input, 'time', timeField.type);
  const columns = new Map<string, ArrayLike<number | bigint> & { subarray(a: number, b: number): unknown }>();
  for (const field of fields) {
    if (field.name === 'step' || field.name === 'time') continue;
    columns.set(field.name, columnArray(input, field.name, field.type) as never);
  }
  const frames: Frame[] = [];
  const rows = input.numRows;
  const stepWords = words(steps);
  const timeWords = words(times);
  let start = 0;
  while (start < rows) {
    const end = runEnd(steps, times, stepWords, timeWords, start, rows);
    const step = steps[start]!;
    const time = Number(times[start]!);
    const frameColumns: Frame['columns'] = {};
    for (const [name, array] of columns) {
      frameColumns[name] = (start === 0 && end === rows ? array : array.subarray(start, end)) as never;
    }
    frames.push({ step: typeof step === 'bigint' ? step : Number(step), time, columns: frameColumns });
    start = end;
  }
  expectArgument(frames.length > 0, 'at least one row', 'the arrow input', describe(input));
  return frames;
}
