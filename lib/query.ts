// Query options checked once, in the package's wording, and the batches a
// native query stream yields as typed arrays over the engine's own buffers
// (external ArrayBuffers, no copy). Every rule about values — an inverted or
// NaN range, `every` < 1, an unknown stream or column — is the engine's.
import { expectArgument } from './errors.js';
import type { NativeQueryStream, NativeQuerySpec, QueryField } from './native.js';

/** What a query selects; ranges are inclusive. */
export interface QueryOptions {
  /** Only steps in [from, to]. */
  steps?: [number | bigint, number | bigint];
  /** Only times in [t0, t1]. */
  time?: [number, number];
  /** Columns beside `step` and `time`, in this order (default: all, in declared order). */
  columns?: string[];
  /** Only every n-th step, counted from `steps[0]` (else from step 0). Default 1. */
  every?: number | bigint;
  /**
   * A grid stream written in blocks (config `block`): one batch per step holding the whole grid in
   * C order, each writer's rows placed by their stored `cell` (docs/MULTI_WRITER.md). A step whose
   * blocks leave cells uncovered or overlap fails with ERR_BLOCK_MISMATCH naming step and cells.
   */
  assemble?: boolean;
}

/** A column of a result: a typed array of its dtype. */
export type ResultArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/** One record batch of a result, as typed arrays by column name. */
export interface RawBatch {
  length: number;
  columns: Map<string, ResultArray>;
  /**
   * Columns holding nulls in this batch (rows of files written by a schema version without the
   * column, docs/ON_DISK.md "Schema evolution"): an Arrow validity bitmap, bit i (LSB first) set
   * when row i holds a value. Absent columns hold no null; their value under a null is 0.
   */
  validity?: Map<string, Uint8Array>;
}

// Arrow C data interface format strings of the dtypes a query returns.
const ARRAY_OF_FORMAT = {
  f: Float32Array,
  g: Float64Array,
  c: Int8Array,
  s: Int16Array,
  i: Int32Array,
  l: BigInt64Array,
  C: Uint8Array,
  S: Uint16Array,
  I: Uint32Array,
  L: BigUint64Array,
} as const;

export type ResultFormat = keyof typeof ARRAY_OF_FORMAT;

/** The typed array class of a result column's format. */
export function arrayClassOf(format: string): new (data: ArrayBuffer | number) => ResultArray {
  return ARRAY_OF_FORMAT[format as ResultFormat] as never;
}

function isInteger(value: unknown): value is number | bigint {
  return typeof value === 'bigint' || Number.isSafeInteger(value);
}

/** The native spec of `options`; throws ERR_INVALID_ARGUMENT naming the option otherwise. */
export function nativeSpec(options: QueryOptions | undefined, perFrame: boolean): NativeQuerySpec {
  const o = options ?? {};
  expectArgument(typeof o === 'object' && o !== null, 'an options object', 'options', o);
  const spec: NativeQuerySpec = { perFrame };
  if (o.steps !== undefined) {
    expectArgument(
      Array.isArray(o.steps) && o.steps.length === 2 && o.steps.every(isInteger),
      'a pair of integers [from, to]',
      'options.steps',
      o.steps,
    );
    spec.steps = [o.steps[0], o.steps[1]];
  }
  if (o.time !== undefined) {
    expectArgument(
      Array.isArray(o.time) && o.time.length === 2 && o.time.every((t) => typeof t === 'number'),
      'a pair of numbers [t0, t1]',
      'options.time',
      o.time,
    );
    spec.time = [o.time[0], o.time[1]];
  }
  if (o.columns !== undefined) {
    expectArgument(
      Array.isArray(o.columns) && o.columns.every((c) => typeof c === 'string'),
      'an array of column names',
      'options.columns',
      o.columns,
    );
    spec.columns = [...o.columns];
  }
  if (o.every !== undefined) {
    expectArgument(isInteger(o.every), 'an integer', 'options.every', o.every);
    spec.every = o.every;
  }
  if (o.assemble !== undefined) {
    expectArgument(typeof o.assemble === 'boolean', 'true or false', 'options.assemble', o.assemble);
    spec.assemble = o.assemble;
  }
  return spec;
}

/** Pulls a native query stream batch by batch; close() (or the end) releases it. */
export class QueryReader {
  readonly fields: readonly QueryField[];
  readonly #native: NativeQueryStream;
  readonly #formats: string[];
  #done = false;

  constructor(native: NativeQueryStream) {
    this.#native = native;
    try {
      this.fields = native.schema();
    } catch (error) {
      native.close();
      throw error;
    }
    this.#formats = this.fields.map((f) => f.format);
  }

  /** The next batch, or null at the end (the stream is released then). */
  async next(): Promise<RawBatch | null> {
    if (this.#done) return null;
    let raw;
    try {
      raw = await this.#native.next(this.#formats);
    } catch (error) {
      this.close();
      throw error;
    }
    if (raw === null) {
      this.close();
      return null;
    }
    const columns = new Map<string, ResultArray>();
    const validity = new Map<string, Uint8Array>();
    this.fields.forEach((field, i) => {
      columns.set(field.name, new (arrayClassOf(field.format))(raw.columns[i]!));
      const bitmap = raw.validity?.[i];
      if (bitmap) validity.set(field.name, new Uint8Array(bitmap));
    });
    return { length: raw.length, columns, validity };
  }

  close(): void {
    if (!this.#done) {
      this.#done = true;
      this.#native.close();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RawBatch, void, undefined> {
    try {
      for (let batch = await this.next(); batch !== null; batch = await this.next()) yield batch;
    } finally {
      this.close();
    }
  }
}
