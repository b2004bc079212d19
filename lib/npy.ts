// One array as a NumPy .npy file (format version 1.0: magic, header length,
// a Python-literal dict padded so the data starts at a multiple of 64 bytes,
// then the raw little-endian values in C order).
import type { ResultArray } from './query.js';

const DESCR: Record<string, string> = {
  Float32Array: '<f4',
  Float64Array: '<f8',
  Int8Array: '|i1',
  Int16Array: '<i2',
  Int32Array: '<i4',
  BigInt64Array: '<i8',
  Uint8Array: '|u1',
  Uint16Array: '<u2',
  Uint32Array: '<u4',
  BigUint64Array: '<u8',
};

/** The bytes of a .npy file holding `array` with `shape` (the product of shape is its length). */
export function npyBytes(array: ResultArray, shape: readonly number[]): Buffer {
  const descr = DESCR[array.constructor.name];
  if (descr === undefined) throw new Error(`npy: no dtype for ${array.constructor.name}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1; // magic 6, version 2, length 2, then the dict and '\n'
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  // The machines this package builds for are little-endian (x64, arm64), so the typed arrays' bytes are '<'.
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(array.buffer, array.byteOffset, array.byteLength)]);
}
