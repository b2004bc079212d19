// The TypeScript face of one simingest_ingestor. Ingest never blocks the
// event loop: the addon copies a frame at once or says it would block, and
// then the frame waits for a room notification from the engine's threads.
import { Writable } from 'node:stream';
import type * as Arrow from 'apache-arrow';
import { framesFromArrow, isArrowInput, type ArrowInput } from './arrow.js';
import { Appender, rowLayout } from './appender.js';
import { appenderBuffers } from './appender_buffers.js';
import { declaredDtype, type Config } from './config.js';
import { expectArgument, SimingestError } from './errors.js';
import { prepareFrame, type Frame, type PreparedFrame } from './frame.js';
import { LoanedFrame } from './loaned_frame.js';
import { NOT_PLANNED, ScalarPlans } from './scalar_plan.js';
import addon, { WOULD_BLOCK, type NativeIngestor } from './native.js';
import type { QueryOptions } from './query.js';
import type { GridResult } from './query_grid.js';
import { runQuery, runScan, type QueryGridOptions, type QuerySource, type QueryTableOptions } from './query_run.js';
import type { Stats } from './stats.js';
import { subscribe, type SubscribedFrame, type SubscribeOptions } from './subscription.js';

// The engine takes the path as a NUL-terminated UTF-8 string: a NUL would cut
// it short and a lone surrogate would become U+FFFD, naming another directory.
function checkPathText(path: string): void {
  if (path.includes('\0')) {
    throw new SimingestError('path: contains a NUL byte', 'ERR_INVALID_ARGUMENT');
  }
  if (/[\uD800-\uDFFF]/u.test(path)) {
    throw new SimingestError('path: contains a lone UTF-16 surrogate (not valid Unicode)', 'ERR_INVALID_ARGUMENT');
  }
}

function closedError(): SimingestError {
  return new SimingestError('the ingestor is closed', 'ERR_CLOSED');
}

const ignore = (): void => undefined;

// Returned by every ingest the engine copied at once. A settled promise never
// changes, so sharing one is indistinguishable from a fresh one to any caller
// and saves an allocation and a microtask per small frame.
const COPIED: Promise<void> = Promise.resolve();

// How long ingests the engine copies at once may hold the event loop before
// one of them resolves through a macrotask instead (see Ingestor.#copied).
// A caller that awaits each ingest() continues in microtasks, which never let
// timers or I/O run: with room in the budget, 160 frames of 3 MiB (copy plus
// the first-touch page faults of fresh engine buffers, ~0.5 ms each) went by
// before a 1 ms timer could fire (docs/PERFORMANCE_ISSUE15.md, issue 15 goal 6).
const EVENT_LOOP_SLICE_MS = 1;

export interface WritableOptions {
  /** Frames buffered by the Writable before write() returns false (default 4). */
  highWaterMark?: number;
}

export class Ingestor implements AsyncDisposable {
  readonly #native: NativeIngestor;
  readonly #config: Config;
  readonly #path: string;
  readonly #appenders = new Set<Appender>();
  readonly #plans: ScalarPlans;
  // Tail of the ingests that wait for room, in call order. While it is set,
  // new ingests queue behind it, so frames enter the engine in call order.
  #waiting: Promise<void> | null = null;
  #closing: Promise<void> | null = null;
  // performance.now() of the first copy since the event loop last had a turn
  // (-1: it has had one since; a setImmediate scheduled with that first copy
  // resets it). See #copied.
  #sliceStart = -1;
  readonly #endSlice = (): void => {
    this.#sliceStart = -1;
  };
  readonly #source: QuerySource = {
    open: (stream, spec) => {
      if (this.#closing) throw closedError();
      return this.#native.query(stream, spec);
    },
    grid: (stream) => this.#config.streams[stream]?.grid ?? [],
  };

  private constructor(native: NativeIngestor, config: Config, path: string) {
    this.#native = native;
    this.#config = config;
    this.#path = path;
    this.#plans = new ScalarPlans(native);
  }

  /**
   * Opens (or creates) the dataset directory `path`. The config is validated
   * by the engine; a problem rejects with ERR_CONFIG naming the key path.
   */
  static async open(path: string, config: Config): Promise<Ingestor> {
    expectArgument(typeof path === 'string' && path.length > 0, 'a non-empty string', 'path', path);
    checkPathText(path);
    expectArgument(
      typeof config === 'object' && config !== null && !Array.isArray(config),
      'a configuration object',
      'config',
      config,
    );
    let json: string;
    try {
      json = JSON.stringify(config);
    } catch (error) {
      // A stack overflow (not a string too long to build): the engine bounds nesting too.
      if (error instanceof RangeError && /call stack/i.test(error.message)) {
        throw new SimingestError('configuration nested too deeply', 'ERR_CONFIG');
      }
      throw new SimingestError(`config: cannot be written as JSON: ${(error as Error).message}`, 'ERR_CONFIG');
    }
    const native = await addon.NativeIngestor.open(path, json);
    // A snapshot: later changes to the caller's object must not change what
    // the TypeScript checks believe the engine was told.
    return new Ingestor(native, JSON.parse(json) as Config, path);
  }

  /** The dataset directory. */
  get path(): string {
    return this.#path;
  }

  /** The configuration the ingestor was opened with (a copy). */
  get config(): Config {
    return JSON.parse(JSON.stringify(this.#config)) as Config;
  }

  get closed(): boolean {
    return this.#closing !== null;
  }

  /**
   * Ingests one frame (typed arrays or scalars per column), or every frame of
   * an apache-arrow Table/RecordBatch. Resolves once the data is copied into
   * the engine: the arrays may be reused then, and must not change before.
   * A loop awaiting each ingest() gives the event loop a turn about every
   * millisecond (timers and I/O run), also while the engine has room for
   * every frame at once.
   */
  ingest(stream: string, input: Frame | ArrowInput): Promise<void> {
    const started = performance.now();
    try {
      if (this.#closing) throw closedError();
      if (isArrowInput(input)) {
        expectArgument(typeof stream === 'string', 'a string', 'stream', stream);
        const frames = framesFromArrow(input).map((frame) => prepareFrame(this.#config, stream, frame));
        return Promise.all(frames.map((frame) => this.#submit(frame, started))).then(ignore);
      }
      // A frame waiting for room needs its PreparedFrame: only one copied at
      // once skips the full path.
      if (this.#waiting === null && this.#plans.tryPlanned(stream, input) === 0) return this.#copied(started);
      return this.#submit(prepareFrame(this.#config, stream, input as Frame), started);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Ingests one frame only if the engine takes it now: true when it was
   * copied (the arrays may be reused at once), false when it would have to wait
   * for room under the `block` policy or frames from earlier ingest() calls
   * are still waiting (nothing was ingested then). Throws SimingestError for
   * everything ingest() would reject with.
   */
  tryIngest(stream: string, frame: Frame): boolean {
    if (this.#closing) throw closedError();
    // Overtaking a waiting frame would break call order.
    if (this.#waiting === null) {
      // Small frames of scalars in their stream's usual layout (scalar_plan.ts);
      // everything else, and everything refused in TypeScript, below.
      const status = this.#plans.tryPlanned(stream, frame);
      if (status !== NOT_PLANNED) return status !== WOULD_BLOCK;
    }
    const prepared = prepareFrame(this.#config, stream, frame);
    if (this.#waiting !== null) return false;
    return this.#callNative(prepared) !== WOULD_BLOCK;
  }

  #callNative(frame: PreparedFrame): number {
    const status = this.#native.ingestNowait(frame.stream, frame.step, frame.time, frame.names, frame.dtypes, frame.values);
    // Not thrown: the engine matched the columns, so the layout can be planned.
    this.#plans.learn(frame);
    return status;
  }

  // What an ingest the engine copied at once returns. Within a slice of
  // EVENT_LOOP_SLICE_MS the settled COPIED (no allocation, one microtask);
  // past it a promise settled by setImmediate, so a caller awaiting each
  // ingest() lets timers and I/O run about every slice. The frame is copied
  // either way: only when the caller's await continues differs. A slice
  // starts when the call that opens it started (`started`), not when its copy
  // ended: a first call that alone outlasts the slice (a large frame into
  // fresh pages: 10-30 ms on a VM) yields at once instead of letting a second
  // one run before any timer.
  #copied(started: number): Promise<void> {
    if (this.#sliceStart < 0) {
      this.#sliceStart = started;
      setImmediate(this.#endSlice);
    }
    if (performance.now() - this.#sliceStart < EVENT_LOOP_SLICE_MS) return COPIED;
    return new Promise<void>((resolve) => setImmediate(resolve));
  }

  #submit(frame: PreparedFrame, started: number): Promise<void> {
    if (this.#waiting === null && this.#callNative(frame) !== WOULD_BLOCK) return this.#copied(started);
    const done = (this.#waiting ?? Promise.resolve()).then(() => this.#ingestWhenRoom(frame));
    // The tail is cleared in the same reaction that settles it, which runs
    // before the reactions of whoever awaits `done`: a flush() called as soon
    // as this ingest resolves finds nothing waiting and starts its native
    // flush at once, before a close() called right after it.
    const clear = (): void => {
      if (this.#waiting === tail) this.#waiting = null;
    };
    const tail: Promise<void> = done.then(clear, clear);
    this.#waiting = tail;
    return done;
  }

  // The frame's arrays stay referenced by `frame` for as long as this waits.
  async #ingestWhenRoom(frame: PreparedFrame): Promise<void> {
    for (;;) {
      if (this.#callNative(frame) !== WOULD_BLOCK) return;
      await this.#native.waitForRoom(frame.bytes);
    }
  }

  /**
   * Resolves when every frame ingested before this call (including frames
   * still waiting for room) is committed: written, fsynced and in the manifest.
   */
  async flush(): Promise<void> {
    if (this.#closing) throw closedError();
    if (this.#waiting) {
      await this.#waiting;
      // close() was called meanwhile: it commits everything this flush covers.
      if (this.#closing) return this.#closing;
    }
    await this.#native.flush();
  }

  /** The engine's counters (docs/STATS.md). Throws ERR_CLOSED once closed. */
  stats(): Stats {
    if (this.#native.isClosed()) throw closedError();
    return JSON.parse(this.#native.statsJson()) as Stats;
  }

  /**
   * The last durable step of each configured stream: the largest step of a frame
   * in a committed file (flushed, or committed before this ingestor opened the
   * dataset), or `null` before the stream has one. A solver restarting from its
   * own checkpoint at step N reopens with `resumeFromStep: N`. Steps are numbers
   * (exact up to 2^53, as in `stats()`). Throws ERR_CLOSED once closed.
   */
  checkpoint(): Record<string, number | null> {
    if (this.#native.isClosed()) throw closedError();
    return JSON.parse(this.#native.checkpointJson()) as Record<string, number | null>;
  }

  /**
   * The frames of `stream` selected by `options` — every frame whose ingest()
   * resolved before this call, committed or not — as an apache-arrow Table
   * (`step`, `time`, then the columns), or with `asGrid: true` typed arrays
   * shaped [frames, ...grid]. Frames still waiting for room are not in it.
   */
  query(stream: string, options: QueryGridOptions): Promise<GridResult>;
  query(stream: string, options?: QueryTableOptions): Promise<Arrow.Table>;
  query(stream: string, options?: QueryTableOptions | QueryGridOptions): Promise<Arrow.Table | GridResult> {
    return runQuery(this.#source, stream, options);
  }

  /**
   * The same rows as query(), one RecordBatch at a time (per stored row group
   * or in-flight frame), for results larger than memory. The snapshot is taken
   * by this call; breaking off the loop releases the stream.
   */
  scan(stream: string, options?: QueryOptions): AsyncIterable<Arrow.RecordBatch> {
    return runScan(this.#source, stream, options);
  }

  /**
   * The frames the router sends to `stream`'s realtime path (route "realtime",
   * or "both" every realtime.everySteps), from now on, as they are accepted:
   * `for await (const frame of ing.subscribe("diag")) { ... }`. Breaking the
   * loop unsubscribes; closing the ingestor ends the loop. A subscriber that
   * falls behind loses the oldest frames (counted in droppedBefore), never
   * slowing ingest. Throws ERR_INVALID_ARGUMENT for a "batch" stream.
   */
  subscribe(stream: string, options?: SubscribeOptions): AsyncIterableIterator<SubscribedFrame> {
    if (this.#closing) throw closedError();
    return subscribe((s, from, emit, queueFrames, disconnect) => this.#native.subscribe(s, from, emit, queueFrames, disconnect),
                     stream, options);
  }

  /**
   * Lends a frame of `stream` (zero copy): its columns are typed arrays over
   * the engine's own buffer (see LoanedFrame). Write every element, then
   * commit(). `rows` is the row count of a stream without a grid (leave it out
   * on a grid stream). Under the `block` policy this waits on the JavaScript
   * thread when the budget is full, like nothing else here: keep loans for
   * frames the budget holds comfortably. close() reclaims frames still open.
   */
  frameBegin(stream: string, step: number | bigint, time: number, rows?: number): LoanedFrame {
    if (this.#closing) throw closedError();
    expectArgument(typeof stream === 'string', 'a string', 'stream', stream);
    expectArgument(
      (typeof step === 'number' && Number.isSafeInteger(step)) || typeof step === 'bigint',
      'a safe integer or a bigint',
      'step',
      step,
    );
    expectArgument(typeof time === 'number', 'a number', 'time', time);
    expectArgument(
      rows === undefined || (Number.isSafeInteger(rows) && rows > 0),
      'a positive integer',
      'rows',
      rows,
    );
    return new LoanedFrame(this.#native.frameBegin(stream, step, time, rows ?? 0));
  }

  /**
   * Lets waiting frames in, commits everything and releases the dataset.
   * Calling it again returns the same promise.
   */
  /**
   * An appender of `stream`: rows one call each (`append(step, time, values)`,
   * ADR 0021). Its rows gather in host-side buffers, reach the engine a batch
   * at a time, and go in as one frame every `appender.rows` rows or
   * `appender.intervalMs` ms, and at its flush()/close(); each keeps its own
   * step and time. close() of the ingestor closes it first, handing its rows.
   */
  appender(stream: string): Appender {
    if (this.#closing) throw closedError();
    expectArgument(typeof stream === 'string', 'a string', 'stream', stream);
    const streams = this.#config.streams as Record<string, { columns?: Record<string, unknown> } | undefined>;
    const names = Object.prototype.hasOwnProperty.call(streams, stream) ? Object.keys(streams[stream]?.columns ?? {}) : [];
    const layout = rowLayout(names, names.map((name) => declaredDtype(this.#config, stream, name)!));
    const buffers = appenderBuffers(this.#config, stream, layout);
    const native = new addon.NativeAppender(this.#native, stream, buffers.staging, buffers.steps.buffer as ArrayBuffer,
                                             buffers.times.buffer as ArrayBuffer);
    const appender = new Appender(native, stream, layout, buffers, (a) => this.#appenders.delete(a));
    this.#appenders.add(appender);
    return appender;
  }

  close(): Promise<void> {
    if (!this.#closing) {
      // Here, on this thread: the engine's close runs on its closing thread,
      // which must not hand over rows while this thread may still append.
      for (const appender of [...this.#appenders]) appender.close();
      const waiting = this.#waiting;
      this.#closing = (async () => {
        if (waiting) await waiting;
        await this.#native.close();
      })();
    }
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * An object-mode Writable that ingests each written frame (or arrow batch)
   * into `stream`; a write completes when the frame is in the engine, so the
   * engine's backpressure reaches the writer. Finishing flushes the ingestor.
   */
  writable(stream: string, options: WritableOptions = {}): Writable {
    expectArgument(typeof stream === 'string', 'a string', 'stream', stream);
    const highWaterMark = options.highWaterMark ?? 4;
    expectArgument(
      Number.isSafeInteger(highWaterMark) && highWaterMark > 0,
      'a positive integer',
      'options.highWaterMark',
      highWaterMark,
    );
    return new Writable({
      objectMode: true,
      highWaterMark,
      write: (chunk: Frame | ArrowInput, _encoding, callback) => {
        this.ingest(stream, chunk).then(() => callback(), callback);
      },
      final: (callback) => {
        this.flush().then(() => callback(), callback);
      },
    });
  }
}

/** The version of the native library actually loaded, e.g. "0.1.0". */
export function nativeVersion(): string {
  return addon.version();
}
