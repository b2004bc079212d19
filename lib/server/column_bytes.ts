// A column that arrives as bytes (a gRPC Column, a base64 column of a JSON
// body) becomes the typed array of its dtype. The bytes are little-endian
// native layout, which is what typed arrays hold on every platform Node
// supports (x64, arm64). A view is made without a copy when the bytes are
// aligned for the dtype; otherwise they are copied once into aligned memory.
import * as zlib from 'node:zlib';
import { DTYPE_ARRAYS, DTYPE_BYTES, type ColumnArray, type Dtype } from '../config.js';
import { SimingestError } from '../errors.js';

export function isDtype(name: unknown): name is Dtype {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, name);
}

// zstd is in node:zlib from Node 22.15; on Node 20 there is no decoder without
// a new dependency, so a compressed column is refused rather than guessed at.
const zstdDecompress = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;

export type ColumnCompression = 'none' | 'zstd';

/**
 * Aligned memory reused for the columns of one frame at a time: a gRPC
 * message's bytes fields sit at arbitrary offsets, so nearly every column
 * needs an aligned copy, and a fresh buffer per column per frame kept the
 * garbage collector busy. The caller rewinds it once the engine copied the
 * frame (ingest resolved) and before the next frame's columns are placed.
 */
export class ColumnScratch {
  #memory = new ArrayBuffer(0);
  #used = 0;

  rewind(): void {
    this.#used = 0;
  }

  /** A copy of `bytes` at an 8-byte aligned offset of the scratch memory. */
  place(bytes: Uint8Array): Uint8Array {
    const offset = Math.ceil(this.#used / 8) * 8;
    if (offset + bytes.byteLength > this.#memory.byteLength) {
      // Earlier columns of this frame still live in the old memory; it is
      // dropped only when the frame is done, so growing never moves them.
      this.#memory = new ArrayBuffer(Math.max(2 * this.#memory.byteLength, bytes.byteLength + 8));
      this.#used = 0;
      return this.place(bytes);
    }
    const view = new Uint8Array(this.#memory, offset, bytes.byteLength);
    view.set(bytes);
    this.#used = offset + bytes.byteLength;
    return view;
  }
}

export function columnFromBytes(
  name: string,
  dtype: unknown,
  data: Uint8Array,
  compression: ColumnCompression = 'none',
  scratch?: ColumnScratch,
): ColumnArray {
  const label = `columns.${name}`;
  if (!isDtype(dtype)) {
    throw new SimingestError(
      `${label}: unknown dtype ${JSON.stringify(dtype)} (expected one of ${Object.keys(DTYPE_BYTES).join(', ')})`,
      'ERR_INVALID_ARGUMENT',
    );
  }
  let bytes = data;
  if (compression === 'zstd') {
    if (zstdDecompress === undefined) {
      throw new SimingestError(`${label}: zstd compression is unsupported by this server (Node ${process.versions.node} has no zstd decoder); send it uncompressed`, 'ERR_INVALID_ARGUMENT');
    }
    bytes = zstdDecompress(data);
  }
  const size = DTYPE_BYTES[dtype];
  if (bytes.byteLength % size !== 0) {
    throw new SimingestError(
      `${label}: ${bytes.byteLength} bytes is not a whole number of ${dtype} values (${size} bytes each)`,
      'ERR_LENGTH_MISMATCH',
    );
  }
  const ArrayClass = DTYPE_ARRAYS[dtype];
  if (bytes.byteOffset % size !== 0) bytes = scratch ? scratch.place(bytes) : new Uint8Array(bytes); // an aligned copy
  return new ArrayClass(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / size) as ColumnArray;
}
