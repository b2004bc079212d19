import { RecordBatch, Table, tableFromArrays } from 'apache-arrow';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ingestor, type Config } from 'simingest';
import { readStream, scratchDir } from './helpers';

const CELLS = 64;
const config: Config = {
  streams: {
    fields: { columns: { vx: 'float32', vy: 'float32', p: 'float64' }, grid: [8, 8], partition: { steps: 2 } },
  },
  workers: 1,
};

function frame(step: number) {
  const vx = Float32Array.from({ length: CELLS }, (_, k) => Math.cos(k + step));
  const vy = Float32Array.from({ length: CELLS }, (_, k) => Math.sin(k * step));
  const p = Float64Array.from({ length: CELLS }, (_, k) => k * 1e-3 - step);
  return { step, time: step / 10, columns: { vx, vy, p } };
}

// The committed Parquet files' bytes, keyed by partition and order (file
// names carry a random tag and so cannot be compared).
function parquetContents(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.parquet')) out.push(readFileSync(full).toString('base64'));
    }
  };
  walk(path.join(dir, 'fields'));
  return out;
}

test('apache-arrow input gives the same files as typed-array input', async (t) => {
  const steps = [0, 1, 2, 3];
  const typedDir = scratchDir(t);
  {
    await using ingestor = await Ingestor.open(typedDir, config);
    for (const step of steps) await ingestor.ingest('fields', frame(step));
  }

  // One table holding all four frames: the (step, time) runs split it.
  const frames = steps.map(frame);
  const concat = <T extends Float32Array | Float64Array>(make: (n: number) => T, pick: (f: ReturnType<typeof frame>) => T) => {
    const out = make(CELLS * steps.length);
    frames.forEach((f, i) => out.set(pick(f), i * CELLS));
    return out;
  };
  const table = tableFromArrays({
    step: BigInt64Array.from(frames.flatMap((f) => Array<bigint>(CELLS).fill(BigInt(f.step)))),
    time: Float64Array.from(frames.flatMap((f) => Array<number>(CELLS).fill(f.time))),
    vx: concat((n) => new Float32Array(n), (f) => f.columns.vx),
    vy: concat((n) => new Float32Array(n), (f) => f.columns.vy),
    p: concat((n) => new Float64Array(n), (f) => f.columns.p),
  });
  assert.ok(table instanceof Table);
  const arrowDir = scratchDir(t);
  {
    await using ingestor = await Ingestor.open(arrowDir, config);
    // Half as a Table, half as single RecordBatches, columns in another order.
    await ingestor.ingest('fields', table.slice(0, 2 * CELLS));
    for (const batch of table.slice(2 * CELLS).batches) {
      const column = (name: 'p' | 'vx' | 'vy' | 'step' | 'time') => batch.getChild(name)!.toArray() as Float32Array;
      const reordered = tableFromArrays({
        p: column('p'), vy: column('vy'), step: column('step'), vx: column('vx'), time: column('time'),
      }).batches[0]!;
      assert.ok(reordered instanceof RecordBatch);
      await ingestor.ingest('fields', reordered);
    }
  }

  const typedFiles = parquetContents(typedDir);
  assert.equal(typedFiles.length, 2);
  assert.deepEqual(parquetContents(arrowDir), typedFiles);
  const typedRows = await readStream(typedDir, 'fields', 'step, vx, vy, p');
  const arrowRows = await readStream(arrowDir, 'fields', 'step, vx, vy, p');
  assert.deepEqual(arrowRows, typedRows);
});

test('arrow input without a step column is refused with the argument wording', async (t) => {
  await using ingestor = await Ingestor.open(scratchDir(t), config);
  const table = tableFromArrays({ time: new Float64Array(CELLS), vx: new Float32Array(CELLS) });
  await assert.rejects(ingestor.ingest('fields', table), {
    name: 'SimingestError',
    code: 'ERR_INVALID_ARGUMENT',
    message: 'Expected a "step" column for the arrow input but received string "time, vx"',
  });
});

test('arrow rows split into frames by value: 0 and -0 times are two frames, equal rows one', async (t) => {
  // Rows are compared as 32-bit words first (lib/arrow.ts); -0 and 0 differ in
  // bits and, by Object.is, in value too.
  const time = new Float64Array([0.5, 0.5, 0.5, -0, 0, 0, 1]);
  const table = tableFromArrays({
    step: new BigInt64Array([1n, 1n, 1n, 2n, 2n, 3n, 3n]),
    time,
    x: new Float32Array([10, 11, 12, 13, 14, 15, 16]),
  });
  const dir = scratchDir(t);
  {
    await using ingestor = await Ingestor.open(dir, { streams: { d: { columns: { x: 'float32' } } } });
    await ingestor.ingest('d', table);
    await ingestor.flush();
    // (1: 3 rows) (2, -0) (2, 0) (3, 0) (3, 1)
    assert.equal(ingestor.stats().streams.d!.framesCommitted, 5);
  }
  // DuckDB reads the rows back in order, each with its step.
  const rows = await readStream(dir, 'd', 'step, x');
  assert.deepEqual(rows, { step: [1n, 1n, 1n, 2n, 2n, 3n, 3n], x: [10, 11, 12, 13, 14, 15, 16] });
});
