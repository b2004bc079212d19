// Appender: rows of one stream, one call per row (ADR 0021). The rows gather
// in the engine's column buffers behind the C ABI, not here: append() checks
// the row (arity, each value against its column's dtype), packs it into one
// staging ArrayBuffer the addon holds, and makes one native call with the
// step and time. The engine hands the rows over as one frame every
// `appender.rows` rows or `appender.intervalMs` ms, before a row of another
// partition, and at flush()/close(); each row keeps its own step and time.
import type { Dtype } from './config.js';
import { DTYPE_BYTES } from './config.js';
import { expectArgument, SimingestError } from './errors.js';
import { checkScalar } from './frame.js';
import type { NativeAppender } from './native.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

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

/**
 * Rows of one stream: `append(step, time, values)` with `values` the stream's
 * columns in declared order — an array or a typed array (a `Float64Array` of a
 * row of float64 columns is copied in one go). Float columns take numbers;
 * integer columns take integers in range (int64/uint64 also bigints). Not
 * thread-safe (JavaScript has one thread per agent; do not share one across
 * workers). Closing the ingestor closes its appenders first.
 */
export class Appender implements Disposable {
  readonly #native: NativeAppender;
  readonly #stream: string;
  readonly #layout: RowLayout;
  readonly #view: DataView;
  readonly #f64: Float64Array | null;  // every column float64: the values' own array
  readonly #onClose: (appender: Appender) => void;
  #closed = false;

  /** @internal Made by Ingestor.appender(). */
  constructor(native: NativeAppender, stream: string, layout: RowLayout, staging: ArrayBuffer,
              onClose: (appender: Appender) => void) {
    this.#native = native;
    this.#stream = stream;
    this.#layout = layout;
    this.#view = new DataView(staging);
    this.#f64 = layout.dtypes.every((d) => d === 'float64') ? new Float64Array(staging, 0, layout.dtypes.length) : null;
    this.#onClose = onClose;
  }

  /** Appends one row; its values are copied before this returns. */
  append(step: number | bigint, time: number, values: ArrayLike<number | bigint>): void {
    if (this.#closed) throw closedError();
    if (typeof step === 'number') {
      if (!Number.isSafeInteger(step)) expectArgument(false, 'a safe integer or a bigint', 'step', step);
    } else {
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
    const f64 = this.#f64;
    if (f64 !== null) {
      if (values instanceof Float64Array) {
        f64.set(values);
      } else {
        for (let i = 0; i < arity; ++i) {
          const v = values[i];
          if (typeof v !== 'number') this.#mismatch(i, v);
          f64[i] = v as number;
        }
      }
    } else {
      this.#pack(values);
    }
    this.#native.appendRow(step, time);
  }

  /** Hands the pending rows to the engine now (queries see them; `Ingestor.flush()` makes them durable). No rows: nothing. */
  flush(): void {
    if (this.#closed) throw closedError();
    this.#native.flush();
  }

  /** Hands the pending rows over and frees the appender; calling it again does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(this);
    this.#native.close();
  }

  get closed(): boolean {
    return this.#closed;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #pack(values: ArrayLike<number | bigint>): void {
    const { dtypes, offsets, names } = this.#layout;
    const view = this.#view;
    for (let i = 0; i < dtypes.length; ++i) {
      const v = values[i]!;
      const at = offsets[i]!;
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
