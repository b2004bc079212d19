// The small-frame path of tryIngest() and ingest(): a solver that logs a few
// numbers per step builds `{ step, time, columns: { a: x, b: y, ... } }` anew
// each call, always with the same keys in the same order. The full path
// (prepareFrame, then the addon's ingestNowait) re-reads that layout every
// call: Object.keys, fresh arrays, a UTF-8 copy of every name, ~30 N-API calls
// for eight columns. Here the layout of a frame the engine accepted is learnt
// once per stream (a "plan": names, dtypes, an 8-byte slot per column in one
// staging ArrayBuffer the addon holds, native/node/scalar_plan.hpp); a later
// frame whose keys enumerate in exactly that order, holding scalars that fit
// the dtypes, has its values written into the slots and goes in through
// ingestPlanned(slot, step, time).
//
// What must stay true: the plan path never decides a refusal. Anything it is
// not sure of (another key order, a missing or extra key, a typed array, a
// value that does not fit, a non-integer step, a frame that is not an object)
// makes it answer NOT_PLANNED without ingesting, and the caller takes the full
// path, which throws exactly what it always threw. The engine still checks
// every planned frame (column table, time, non-finite values, the budget), so
// its refusals and WOULD_BLOCK come back as on the full path.
// (A getter on a frame or its columns may run twice: once here, once on the
// full path, when this path gives up after it ran.)
import { DTYPE_CODES, type Dtype } from './config.js';
import { scalarFits, type PreparedFrame } from './frame.js';
import type { NativeIngestor } from './native.js';

/** tryPlanned's answer when the frame must take the full path (nothing was ingested). */
export const NOT_PLANNED = -1;

// Consecutive frames of a stream that did not fit its plan, after which the
// next frame of scalars the engine accepts becomes the plan. Not at once: a
// caller alternating two layouts would otherwise pay a relearn every call.
const RELEARN_AFTER_MISSES = 16;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const DTYPE_OF_CODE: Dtype[] = [];
for (const [dtype, code] of Object.entries(DTYPE_CODES) as [Dtype, number][]) DTYPE_OF_CODE[code] = dtype;

class ScalarPlan {
  misses = 0;
  // Where fill() leaves the frame's step and time for the native call.
  step: number | bigint = 0;
  time = 0;
  readonly #names: readonly string[];
  readonly #dtypes: readonly Dtype[];
  readonly #allFloat64: boolean;
  // Views over the one staging buffer; column i owns bytes [8i, 8i + 8).
  readonly #f64: Float64Array;
  readonly #f32: Float32Array;
  readonly #i8: Int8Array;
  readonly #i16: Int16Array;
  readonly #i32: Int32Array;
  readonly #u8: Uint8Array;
  readonly #u16: Uint16Array;
  readonly #u32: Uint32Array;
  readonly #i64: BigInt64Array;
  readonly #u64: BigUint64Array;
  // Set while the columns are read: a getter that ingests into this stream
  // again takes the full path instead of overwriting the slots half-filled.
  #filling = false;

  constructor(
    readonly slot: number,
    names: readonly string[],
    dtypes: readonly Dtype[],
    readonly staging: ArrayBuffer,
  ) {
    this.#names = names;
    this.#dtypes = dtypes;
    this.#allFloat64 = dtypes.every((dtype) => dtype === 'float64');
    this.#f64 = new Float64Array(staging);
    this.#f32 = new Float32Array(staging);
    this.#i8 = new Int8Array(staging);
    this.#i16 = new Int16Array(staging);
    this.#i32 = new Int32Array(staging);
    this.#u8 = new Uint8Array(staging);
    this.#u16 = new Uint16Array(staging);
    this.#u32 = new Uint32Array(staging);
    this.#i64 = new BigInt64Array(staging);
    this.#u64 = new BigUint64Array(staging);
  }

  /** Writes the frame into the slots; false when it does not match the plan exactly. */
  fill(frame: unknown): boolean {
    if (this.#filling || typeof frame !== 'object' || frame === null) return false;
    const { step, time, columns } = frame as { step: unknown; time: unknown; columns: unknown };
    if (typeof step === 'number') {
      if (!Number.isSafeInteger(step)) return false;
    } else if (typeof step !== 'bigint' || step < INT64_MIN || step > INT64_MAX) {
      return false;
    }
    if (typeof time !== 'number') return false;
    if (typeof columns !== 'object' || columns === null || Array.isArray(columns) || ArrayBuffer.isView(columns)) {
      return false;
    }
    this.#filling = true;
    try {
      if (!this.#write(columns)) return false;
    } finally {
      this.#filling = false;
    }
    this.step = step;
    this.time = time;
    return true;
  }

  // for-in, not Object.keys: no array per call. It yields own enumerable keys
  // in Object.keys order, then inherited enumerable ones, which the full path
  // ignores; those only make the count differ, so such a frame takes the full path.
  #write(columns: object): boolean {
    const names = this.#names;
    const count = names.length;
    let i = 0;
    for (const key in columns) {
      if (i === count || key !== names[i]) return false;
      const value = (columns as Record<string, unknown>)[key];
      if (this.#allFloat64) {
        if (typeof value !== 'number') return false;
        this.#f64[i] = value;
      } else if (!this.#store(i, value)) {
        return false;
      }
      i += 1;
    }
    return i === count;
  }

  // Each dtype written as the addon's ScalarSlot holds it: at the slot's first byte.
  #store(i: number, value: unknown): boolean {
    const dtype = this.#dtypes[i]!;
    if (!scalarFits(value, dtype)) return false;
    const v = value as number;
    switch (dtype) {
      case 'float64': this.#f64[i] = v; break;
      case 'float32': this.#f32[2 * i] = v; break;
      case 'int8': this.#i8[8 * i] = v; break;
      case 'int16': this.#i16[4 * i] = v; break;
      case 'int32': this.#i32[2 * i] = v; break;
      case 'uint8': this.#u8[8 * i] = v; break;
      case 'uint16': this.#u16[4 * i] = v; break;
      case 'uint32': this.#u32[2 * i] = v; break;
      case 'int64': this.#i64[i] = typeof value === 'bigint' ? value : BigInt(v); break;
      case 'uint64': this.#u64[i] = typeof value === 'bigint' ? value : BigInt(v); break;
    }
    return true;
  }
}

/** One ingestor's plans, at most one per stream the engine accepted a frame of. */
export class ScalarPlans {
  readonly #native: NativeIngestor;
  readonly #byStream = new Map<string, ScalarPlan>();
  // Slot numbers outlive a relearnt plan: the addon replaces the plan in its slot.
  readonly #slots = new Map<string, number>();

  constructor(native: NativeIngestor) {
    this.#native = native;
  }

  /**
   * Ingests `frame` through its stream's plan: the addon's status (0 copied,
   * WOULD_BLOCK), or NOT_PLANNED with nothing ingested. Throws only what the
   * engine refuses (the full path would throw the same).
   */
  tryPlanned(stream: string, frame: unknown): number {
    const plan = this.#byStream.get(stream);
    if (plan === undefined) return NOT_PLANNED;
    if (!plan.fill(frame)) {
      plan.misses += 1;
      return NOT_PLANNED;
    }
    plan.misses = 0;
    return this.#native.ingestPlanned(plan.slot, plan.step, plan.time);
  }

  /** Called with each frame the engine took in or would take once room is free. */
  learn(frame: PreparedFrame): void {
    const known = this.#byStream.get(frame.stream);
    if (known !== undefined && known.misses < RELEARN_AFTER_MISSES) return;
    const codes = frame.dtypes;
    // A 0 marks a typed array, which keeps the full path (as would a dtype this file does not know).
    for (let i = 0; i < codes.length; i += 1) if (DTYPE_OF_CODE[codes[i]!] === undefined) return;
    let slot = this.#slots.get(frame.stream);
    if (slot === undefined) {
      slot = this.#slots.size;
      this.#slots.set(frame.stream, slot);
    }
    const staging = new ArrayBuffer(Math.max(8, 8 * codes.length));
    try {
      this.#native.setScalarPlan(slot, frame.stream, frame.names, codes, staging);
    } catch {
      // The frame is already in the engine: a plan that cannot be set (no
      // memory for it) only leaves this stream on the full path.
      return;
    }
    const dtypes = codes.map((code) => DTYPE_OF_CODE[code]!);
    this.#byStream.set(frame.stream, new ScalarPlan(slot, [...frame.names], dtypes, staging));
  }
}
