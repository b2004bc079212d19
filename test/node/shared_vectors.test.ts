// The shared bad-input vectors (test/vectors/bad_input.json) through the
// TypeScript API: the same status and message as the C ABI and Python give
// (native/capi/shared_vectors_test.cpp, test/python/test_shared_vectors.py).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ingestor, SimingestError, type Config } from 'simingest';
import { scratchDir } from './helpers';

interface ColumnSpec {
  dtype: 'float32' | 'float64' | 'int64';
  length?: number;
  fill?: number | string;
  scalar?: number | string;
}
interface Vectors {
  config: Config;
  frames: { name: string; stream: string; step: number; time: number; columns: Record<string, ColumnSpec>; status: number; message: string }[];
  configs: { name: string; config: Config; status: number; message?: string; messagePrefix?: string }[];
}

// dist/test/ → the repository root.
const vectors = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', 'test', 'vectors', 'bad_input.json'), 'utf8'),
) as Vectors;

function toNumber(fill: number | string): number {
  return typeof fill === 'number' ? fill : fill === 'nan' ? NaN : fill === 'inf' ? Infinity : -Infinity;
}

function column(spec: ColumnSpec): Float32Array | Float64Array | BigInt64Array | number | bigint {
  if (spec.scalar !== undefined) {
    return spec.dtype === 'int64' ? BigInt(toNumber(spec.scalar)) : toNumber(spec.scalar);
  }
  const fill = toNumber(spec.fill!);
  if (spec.dtype === 'int64') return new BigInt64Array(spec.length!).fill(BigInt(fill));
  return (spec.dtype === 'float32' ? new Float32Array(spec.length!) : new Float64Array(spec.length!)).fill(fill);
}

for (const c of vectors.frames) {
  test(`bad frame (${c.name}) gives the shared status and message`, async (t) => {
    await using ingestor = await Ingestor.open(scratchDir(t), vectors.config);
    const columns = Object.fromEntries(Object.entries(c.columns).map(([name, spec]) => [name, column(spec)]));
    await assert.rejects(ingestor.ingest(c.stream, { step: c.step, time: c.time, columns }), (error: unknown) => {
      assert.ok(error instanceof SimingestError, String(error));
      assert.equal(error.status, c.status, error.message);
      assert.equal(error.message, c.message);
      return true;
    });
    assert.equal(ingestor.stats().framesRejected, 1);
  });
}

for (const c of vectors.configs) {
  test(`bad configuration (${c.name}) gives the shared status and message`, async (t) => {
    await assert.rejects(Ingestor.open(scratchDir(t), c.config), (error: unknown) => {
      assert.ok(error instanceof SimingestError, String(error));
      assert.equal(error.status, c.status, error.message);
      if (c.message !== undefined) assert.equal(error.message, c.message);
      else assert.ok(error.message.startsWith(c.messagePrefix!), error.message);
      return true;
    });
  });
}
