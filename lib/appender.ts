// Appender: rows of one stream, one call per row (ADR 0021). The rows
// gather HERE first, in host-side buffers: append() checks the row (arity,
// each value against its column's dtype), writes step, time and values at the
// next slot of typed arrays the addon holds, and crosses N-API only once per
// batch (appendRows: HOST_ROWS rows, fewer if the stream's appender.rows is
// smaller) and at flush()/close() — a native call per row would cost more
// than the row. The engine then hands the rows over as one frame every
// `appender.rows` rows or `appender.intervalMs` ms, before a row of another
// partition, and at flush; each row keeps its own step and time. Rows still
// in the host buffers wait for the next batch boundary or flush (as DuckDB's
// appender keeps rows until flush/close): the interval counts from when a
// batch reaches the engine. A row the engine would refuse for a non-finite
// time or value (nonFinite "reject") is handed at once, so the error reaches
// the append() that made it.
import type { Dtype } from './config.js';
import { DTYPE_BYTES } from './config.js';
import { expectArgument, SimingestError } from './errors.js';
import { checkScalar } from './frame.js';
import type { NativeAppender } from './native.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Rows a batch holds at most: the N-API call's cost spread thin, the buffers in L2. */
export const HOST_ROWS = 1024;

/** The row buffer's size and the column layout of a stream (declared order, packed). */
export interface RowLayout {
  names: string[];
  dtypes: Dtype[];
  offsets: number[];
  bytes: number;
}

export function rowLayout(names: string[], dtypes: Dtype[]): RowLayout {
  const offsets: number[] = [];
  let bytes = 0;
  for (const dtype of dtypes) {
    offsets.push(bytes);
    bytes += DTYPE_BYTES[dtype];
  }
  return { names, dtypes, offsets, bytes };
}

/** The host-side buffers of one appender, shared with the addon (their addresses are fixed). */
export interface RowBuffers {
  staging: ArrayBuffer;  // a packed row per row
  steps: Float64Array;   // safe integers
  times: Float64Array;
  /** Indexes of float columns whose nonFinite policy is "reject". */
  reject: number[];
}

export function rowBuffers(layout: RowLayout, capacity: number, reject: number[]): RowBuffers {
  return { staging: new ArrayBuffer(Math.max(8, layout.bytes * capacity)), steps: new Float64Array(capacity),
           times: new Float64Array(capacity), reject };
}

/**
 * Rows of one stream: `append(step, time, values)` with `values` the stream's
 * columns in declared order — an array or a typed array. Float columns take
 * numbers; integer columns take integers in range (int64/uint64 also
 * bigints). Not thread-safe (JavaScript has one thread per agent; do not
 * share one across workers). Closing the ingestor closes its appenders first,
 * handing their rows over.
 */
export class Appender implements Disposable {
  readonly #native: NativeAppender;
  readonly #stream: string;
  readonly #layout: RowLayout;
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  readonly #f64: Float64Array | null;  // every column float64: the values' own array
  readonly #steps: Float64Array;
  readonly #times: Float64Array;
  readonly #reject: number[];
  readonly #capacity: number;
  readonly #onClose: (appender: Appender) => void;
  #count = 0;  // rows waiting in the buffers
  #closed = false;

  /** @internal Made by Ingestor.appender(). */
  constructor(native: NativeAppender, stream: string, layout: RowLayout, buffers: RowBuffers,
              onClose: (appender: Appender) => void) {
    this.#native = native;
    this.#stream = stream;
    this.#layout = layout;
    this.#view = new DataView(buffers.staging);
    this.#bytes = new Uint8Array(buffers.staging);
    this.#steps = buffers.steps;
    this.#times = buffers.times;
    this.#capacity = buffers.times.length;
    this.#reject = buffers.reject;
    this.#f64 = layout.dtypes.every((d) => d === 'float64') ? new Float64Array(buffers.staging) : null;
    this.#onClose = onClose;
  }

  /** Appends one row; its values are copied before this returns. */
  append(step: number | bigint, time: number, values: ArrayLike<number | bigint>): void {
    if (this.#closed) throw closedError();
    if (typeof step !== 'number' || !Number.isSafeInteger(step)) {
      if (typeof step === 'number') expectArgument(false, 'a safe integer or a bigint', 'step', step);
      expectArgument(typeof step === 'bigint' && step >= INT64_MIN && step <= INT64_MAX, 'an int64 step', 'step', step);
    }
    if (typeof time !== 'number') expectArgument(false, 'a number', 'time', time);
    const arity = this.#layout.names.length;
    if (values == null || values.length !== arity) {
      throw new SimingestError(
        `appender: stream "${this.#stream}": a row has ${arity} values (${this.#layout.names.join(', ')}) ` +
          `but ${values == null ? 'none were' : `${values.length} were`} given`,
        'ERR_INVALID_ARGUMENT',
      );
    }
    if (typeof step === 'bigint') {
      // The float64 steps buffer cannot hold it: the rows before it go first,
      // then this one alone from the start of the staging buffer.
      this.#hand();
      this.#write(values, 0);
      this.#native.appendRow(step, time);
      return;
    }
    const r = this.#count;
    this.#write(values, r);
    this.#steps[r] = step;
    this.#times[r] = time;
    this.#count = r + 1;
    if (r + 1 === this.#capacity || !Number.isFinite(time) || (this.#reject.length > 0 && this.#nonFinite(values))) {
      this.#hand();
    }
  }

  /** Hands the pending rows to the engine now (queries see them; `Ingestor.flush()` makes them durable). No rows: nothing. */
  flush(): void {
    if (this.#closed) throw closedError();
    this.#hand();
    this.#native.flush();
  }

  /** Hands the pending rows over and frees the appender; calling it again does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(this);
    try {
      this.#hand();
    } finally {
      this.#native.close();
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** The row's values into slot `r` of the staging buffer, checked against their columns. */
  #write(values: ArrayLike<number | bigint>, r: number): void {
    const f64 = this.#f64;
    if (f64 === null) {
      this.#pack(values, r * this.#layout.bytes);
      return;
    }
    const arity = values.length;
    const base = r * arity;
    if (values instanceof Float64Array) {
      f64.set(values, base);
      return;
    }
    for (let i = 0; i < arity; ++i) {
      const v = values[i];
      if (typeof v !== 'number') this.#mismatch(i, v);
      f64[base + i] = v as number;
    }
  }

  #nonFinite(values: ArrayLike<number | bigint>): boolean {
    for (const i of this.#reject) if (!Number.isFinite(values[i])) return true;
    return false;
  }

  /** The waiting rows to the engine in one native call; after a failure, the rows not taken stay waiting. */
  #hand(): void {
    const count = this.#count;
    if (count === 0) return;
    try {
      this.#native.appendRows(count);
      this.#count = 0;
    } catch (error) {
      const first = this.#native.keptFrom();
      const rowBytes = this.#layout.bytes;
      this.#bytes.copyWithin(0, first * rowBytes, count * rowBytes);
      this.#steps.copyWithin(0, first, count);
      this.#times.copyWithin(0, first, count);
      this.#count = count - first;
      throw error;
    }
  }

  #pack(values: ArrayLike<number | bigint>, base: number): void {
    const { dtypes, offsets, names } = this.#layout;
    const view = this.#view;
    for (let i = 0; i < dtypes.length; ++i) {
      const v = values[i]!;
      const at = base + offsets[i]!;
      const dtype = dtypes[i]!;
      if (typeof v !== 'number' && typeof v !== 'bigint') this.#mismatch(i, v);
      checkScalar(v, dtype, names[i]!);
      switch (dtype) {
        case 'float64': view.setFloat64(at, v as number, true); break;
        case 'float32': view.setFloat32(at, v as number, true); break;
        case 'int8': view.setInt8(at, v as number); break;
        case 'uint8': view.setUint8(at, v as number); break;
        case 'int16': view.setInt16(at, v as number, true); break;
        case 'uint16': view.setUint16(at, v as number, true); break;
        case 'int32': view.setInt32(at, v as number, true); break;
        case 'uint32': view.setUint32(at, v as number, true); break;
        case 'int64': view.setBigInt64(at, BigInt(v), true); break;
        case 'uint64': view.setBigUint64(at, BigInt(v), true); break;
      }
    }
  }

  #mismatch(i: number, value: unknown): never {
    const dtype = this.#layout.dtypes[i]!;
    expectArgument(false, dtype.startsWith('float') ? 'a number' : `an integer within ${dtype}`,
                   `values[${i}] (column ${this.#layout.names[i]})`, value, 'ERR_DTYPE_MISMATCH');
    throw new Error('unreachable');
  }
}

function closedError(): SimingestError {
  return new SimingestError('appender: the appender is closed', 'ERR_CLOSED');
}
