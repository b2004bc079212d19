// Loads the addon once (prebuilds/ or build/Release, found by node-gyp-build
// from the package root) and hands it the error class it throws.
import * as path from 'node:path';
import nodeGypBuild = require('node-gyp-build');
import { SimingestError } from './errors.js';

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
  /** Resolves when `bytes` of frame data might fit; rejects on block timeout or close. */
  waitForRoom(bytes: number): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  statsJson(): string;
  checkpointJson(): string;
  isClosed(): boolean;
}

interface Addon {
  NativeIngestor: { open(path: string, configJson: string): Promise<NativeIngestor> };
  setErrorClass(errorClass: typeof SimingestError): void;
  version(): string;
  statusString(status: number): string;
  /** simingest_inspect_json() on the libuv pool: the summary as JSON text. */
  inspectJson(path: string): Promise<string>;
  /** simingest_verify_json() on the libuv pool: the full verification report as JSON text. */
  verifyJson(path: string): Promise<string>;
}

export const WOULD_BLOCK = 16;

const addon = nodeGypBuild(path.join(__dirname, '..')) as Addon;
addon.setErrorClass(SimingestError);

export default addon;
