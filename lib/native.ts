// Loads the addon once (prebuilds/ or build/Release, found by node-gyp-build
// from the package root) and hands it the error class it throws.
import * as path from 'node:path';
import nodeGypBuild = require('node-gyp-build');
import { SimingestError } from './errors.js';
import type { NativeLoanedFrame } from './loaned_frame.js';
import type { NativeSubscribe } from './subscription.js';

export interface NativeIngestor {
  /** 0 when copied, 16 (WOULD_BLOCK) when the frame does not fit yet; throws otherwise. */
  ingestNowait(
    stream: string,
    step: number | bigint,
    time: number,
    names: string[],
    dtypes: number[],
    values: unknown[],
  ): number;
  /** Sets (or replaces) scalar plan `slot` (lib/scalar_plan.ts): 8 bytes of `staging` per column. */
  setScalarPlan(slot: number, stream: string, names: string[], dtypes: number[], staging: ArrayBuffer): void;
  /** The frame whose values are in plan `slot`'s staging: 0 when copied, 16 (WOULD_BLOCK); throws otherwise. */
  ingestPlanned(slot: number, step: number | bigint, time: number): number;
  /** Resolves when `bytes` of frame data might fit; rejects on block timeout or close. */
  waitForRoom(bytes: number): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  statsJson(): string;
  checkpointJson(): string;
  isClosed(): boolean;
  /** simingest_query(): a stream of every frame ingested before the call. */
  query(stream: string, spec: NativeQuerySpec): NativeQueryStream;
  /** simingest_subscribe(): frames go to `emit`, the end as emit(null, error | null). */
  subscribe: NativeSubscribe;
  /** simingest_frame_begin_rows(): a loaned frame (rows 0: the grid's product). */
  frameBegin(stream: string, step: number | bigint, time: number, rows: number): NativeLoanedFrame;
}

/** What lib/query.ts hands the addon (already checked). */
export interface NativeQuerySpec {
  columns?: string[];
  steps?: [number | bigint, number | bigint];
  time?: [number, number];
  every?: number | bigint;
  /** One batch per frame (SIMINGEST_QUERY_BATCH_PER_FRAME). */
  perFrame: boolean;
  /** The whole field of a decomposed grid per step (SIMINGEST_QUERY_ASSEMBLE). */
  assemble?: boolean;
}

/** A column of a query result: its name and Arrow C data interface format ("f", "g", "l", …). */
export interface QueryField {
  name: string;
  format: string;
  /** Some schema version of the stream lacks the column: batches may hold nulls in it. */
  nullable?: boolean;
}

export interface NativeQueryStream {
  schema(): QueryField[];
  /** The next batch (its column buffers over the engine's memory), or null at the end. */
  next(formats: string[]): Promise<{ length: number; columns: ArrayBuffer[]; validity?: (ArrayBuffer | null)[] } | null>;
  /** Releases the stream (at once, or when a pending next() ends). */
  close(): void;
}

export interface NativeDataset {
  query(stream: string, spec: NativeQuerySpec): NativeQueryStream;
  /** {"streams": [{"name", "schema"}]} as JSON text. */
  streamsJson(): string;
  /** simingest_dataset_subscribe(): tails the stream's realtime log; frames go to `emit`. */
  subscribe: NativeSubscribe;
  close(): void;
}

/** simingest_appender_* (native/node/appender.cpp); rows are in the staging, steps and times buffers. */
export interface NativeAppender {
  /** The row at the start of the staging buffer. */
  appendRow(step: number | bigint, time: number): void;
  /** The first `count` rows of the buffers in one call; after it threw, keptFrom() is the first row not taken. */
  appendRows(count: number): void;
  keptFrom(): number;
  flush(): void;
  close(): void;
  rowBytes(): number;
}

interface Addon {
  NativeIngestor: { open(path: string, configJson: string): Promise<NativeIngestor> };
  NativeAppender: new (ingestor: NativeIngestor, stream: string, staging: ArrayBuffer, steps: ArrayBuffer,
                       times: ArrayBuffer) => NativeAppender;
  NativeDataset: { open(path: string): Promise<NativeDataset> };
  setErrorClass(errorClass: typeof SimingestError): void;
  version(): string;
  statusString(status: number): string;
  /** Query batches handed to JavaScript and not yet released (for the tests). */
  queryBatchesAlive(): number;
  /** simingest_inspect_json() on the libuv pool: the summary as JSON text. */
  inspectJson(path: string): Promise<string>;
  /** simingest_verify_json() on the libuv pool: the full verification report as JSON text. */
  verifyJson(path: string): Promise<string>;
  /** simingest_unsubscribe(); throws ERR_INVALID_ARGUMENT the second time. */
  unsubscribe(handle: unknown): void;
}

export const WOULD_BLOCK = 16;

const addon = nodeGypBuild(path.join(__dirname, '..')) as Addon;
addon.setErrorClass(SimingestError);

export default addon;
