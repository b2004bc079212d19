// Loaned frames (zero-copy ingest; include/simingest.h "Loaned frames",
// docs/adr/0022-loaned-frames.md): each column is a typed array over the
// engine's own buffer. Write it in place, then commit(): the engine encodes
// that memory, nothing is copied on the JavaScript thread.
//
// Use after the end fails loudly, never corrupts: commit(), abort() and the
// ingestor's close() detach every ArrayBuffer of the frame first (their
// typed arrays then have length 0: reads give undefined, writes do nothing),
// and `columns`, column(), commit() and abort() throw SimingestError saying
// how the frame ended.

/** A column of a loaned frame: the typed array of its dtype. */
export type LoanedColumn =
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

/** The addon's half (native/node/loaned_frame.cpp). */
export interface NativeLoanedFrame {
  columns(): Record<string, LoanedColumn>;
  column(name: string): LoanedColumn;
  commit(): void;
  abort(): void;
}

export class LoanedFrame {
  readonly #native: NativeLoanedFrame;

  /** @internal made by Ingestor.frameBegin() */
  constructor(native: NativeLoanedFrame) {
    this.#native = native;
  }

  /** Every column by name; the values start undefined: write every element. */
  get columns(): Record<string, LoanedColumn> {
    return this.#native.columns();
  }

  /** One column; an undeclared name throws ERR_UNKNOWN_COLUMN naming it. */
  column(name: string): LoanedColumn {
    return this.#native.column(name);
  }

  /** Hands the buffer to the engine (no copy). The typed arrays are detached first. */
  commit(): void {
    this.#native.commit();
  }

  /** Gives the buffer back without writing the frame. */
  abort(): void {
    this.#native.abort();
  }
}
