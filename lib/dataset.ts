// A read-only view of a dataset (simingest_dataset): takes no lock and changes
// nothing, so it works beside an Ingestor writing the same directory, in this
// or another process. Each query reads the manifest as it is at that moment
// and sees committed files only.
import type * as Arrow from 'apache-arrow';
import type { StreamConfig } from './config.js';
import { expectArgument, SimingestError } from './errors.js';
import addon, { type NativeDataset } from './native.js';
import type { QueryOptions } from './query.js';
import type { GridResult } from './query_grid.js';
import { runQuery, runScan, type QueryGridOptions, type QuerySource, type QueryTableOptions } from './query_run.js';
import { subscribe, type SubscribedFrame, type SubscribeOptions } from './subscription.js';

interface StreamsDocument {
  streams: { name: string; schema: StreamConfig }[];
}

// The query source of each Dataset, for the CLI, which reads raw batches
// (typed arrays) instead of apache-arrow Tables; not exported by index.ts.
const sources = new WeakMap<Dataset, QuerySource>();

export function querySourceOf(dataset: Dataset): QuerySource {
  return sources.get(dataset)!;
}

export class Dataset implements Disposable {
  readonly #native: NativeDataset;
  readonly #path: string;
  #closed = false;
  readonly #source: QuerySource = {
    open: (stream, spec) => {
      this.#throwIfClosed();
      return this.#native.query(stream, spec);
    },
    grid: (stream) => this.#document().streams.find((s) => s.name === stream)?.schema.grid ?? [],
  };

  private constructor(native: NativeDataset, path: string) {
    this.#native = native;
    this.#path = path;
    sources.set(this, this.#source);
  }

  /** Opens the dataset at `path` read-only. Rejects with ERR_IO when it holds no
   * dataset (no manifest), ERR_CORRUPT when no manifest copy is good. */
  static async open(path: string): Promise<Dataset> {
    expectArgument(typeof path === 'string' && path.length > 0, 'a non-empty string', 'path', path);
    return new Dataset(await addon.NativeDataset.open(path), path);
  }

  get path(): string {
    return this.#path;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #document(): StreamsDocument {
    this.#throwIfClosed();
    return JSON.parse(this.#native.streamsJson()) as StreamsDocument;
  }

  #throwIfClosed(): void {
    if (this.#closed) throw new SimingestError('the dataset is closed', 'ERR_CLOSED');
  }

  /** The names of the dataset's streams. */
  streams(): string[] {
    return this.#document().streams.map((s) => s.name);
  }

  /** The configuration of `stream`: columns and dtypes, grid, partitioning. */
  schema(stream: string): StreamConfig {
    const found = this.#document().streams.find((s) => s.name === stream);
    if (found === undefined) {
      throw new SimingestError(`unknown stream "${stream}" in ${this.#path}`, 'ERR_UNKNOWN_STREAM');
    }
    return found.schema;
  }

  /** The committed frames of `stream` selected by `options`, as an apache-arrow Table
   * (`step`, `time`, then the columns), or with `asGrid: true` typed arrays shaped by the grid. */
  query(stream: string, options: QueryGridOptions): Promise<GridResult>;
  query(stream: string, options?: QueryTableOptions): Promise<Arrow.Table>;
  query(stream: string, options?: QueryTableOptions | QueryGridOptions): Promise<Arrow.Table | GridResult> {
    return runQuery(this.#source, stream, options);
  }

  /** The same rows as query(), one RecordBatch at a time, for results larger than memory. */
  scan(stream: string, options?: QueryOptions): AsyncIterable<Arrow.RecordBatch> {
    return runScan(this.#source, stream, options);
  }

  /**
   * Follows `stream`'s realtime log on disk, written by an Ingestor in this or another
   * process: `for await (const frame of dataset.subscribe("diag")) { ... }`. Without
   * `fromStep` it starts at the end of the log now; with it, at the oldest segment on
   * disk, skipping earlier steps. Breaking the loop unsubscribes. The loop throws
   * ERR_CORRUPT (a damaged block, naming the file and byte) or ERR_BACKPRESSURE (log
   * segments were compacted into Parquet before they were read: query those steps).
   * The subscription outlives close().
   */
  subscribe(stream: string, options?: SubscribeOptions): AsyncIterableIterator<SubscribedFrame> {
    this.#throwIfClosed();
    return subscribe((s, from, emit) => this.#native.subscribe(s, from, emit), stream, options);
  }

  /** Closes the handle; streams of queries already made stay readable. Safe to call twice. */
  close(): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#native.close();
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
