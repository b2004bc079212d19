// query() and scan(), shared by Ingestor (simingest_query: committed and
// in-flight frames) and Dataset (simingest_dataset_query: committed files).
import type * as Arrow from 'apache-arrow';
import type { NativeQueryStream, NativeQuerySpec } from './native.js';
import { nativeSpec, QueryReader, type QueryOptions } from './query.js';
import { loadArrow, readBatches, readTable } from './query_arrow.js';
import { readGrid, type GridResult } from './query_grid.js';

/** query() options; `asGrid: true` returns typed arrays shaped by the grid instead of a Table. */
export interface QueryTableOptions extends QueryOptions {
  asGrid?: false;
}
export interface QueryGridOptions extends QueryOptions {
  asGrid: true;
}

export interface QuerySource {
  /** Starts the native query (synchronously: it snapshots and plans). */
  open(stream: string, spec: NativeQuerySpec): NativeQueryStream;
  /** The grid declared for `stream` ([] when none or unknown: the query reports an unknown stream). */
  grid(stream: string): number[];
}

export async function runQuery(
  source: QuerySource,
  stream: string,
  options: QueryTableOptions | QueryGridOptions | undefined,
): Promise<Arrow.Table | GridResult> {
  if (options?.asGrid === true) {
    const spec = nativeSpec(options, true);
    return readGrid(new QueryReader(source.open(stream, spec)), source.grid(stream));
  }
  const spec = nativeSpec(options, false);
  loadArrow(); // before the query starts: without apache-arrow nothing is opened
  return readTable(new QueryReader(source.open(stream, spec)));
}

export function runScan(source: QuerySource, stream: string, options: QueryOptions | undefined): AsyncIterable<Arrow.RecordBatch> {
  const spec = nativeSpec(options, false);
  loadArrow();
  // Opened now: the snapshot is taken when scan() is called, not when the
  // iteration starts. An iterable never iterated holds the stream until it is
  // collected; iterating to the end or breaking off releases it at once.
  const reader = new QueryReader(source.open(stream, spec));
  return { [Symbol.asyncIterator]: () => readBatches(reader) };
}
