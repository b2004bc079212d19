// Loaned frames from Node (LoanedFrame: typed arrays over the engine's own
// buffer). What is written into the arrays is what pyarrow (a reader we did
// not write) reads back, bit for bit; after commit, abort or close the arrays
// are detached (length 0, never a write into memory the engine took back)
// and every use of the frame throws the engine's typed error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ingestor, SimingestError, type Config } from 'simingest';
import { scratchDir } from './helpers';

const GRID = [8, 16];
const CELLS = GRID[0] * GRID[1];
const config: Config = {
  workers: 1,
  streams: {
    fields: { columns: { vx: 'float32', rho: 'float64', id: 'int64' }, grid: GRID },
    probes: { columns: { v: 'uint16' } },
  },
};

function vxOf(step: number, i: number): number {
  return Math.fround(Math.sin(step * 131 + i) * 1e3);
}
function rhoOf(step: number, i: number): number {
  return Math.cos(step + i / 7) * 1e300;
}

// pyarrow's view of the fields stream: every row's step and the bits of each column, hex.
function readWithPyarrow(dir: string): { step: number[]; vx: string[]; rho: string[]; id: string[] } | null {
  const script = `
import json, sys
import numpy as np
import pyarrow.dataset as ds
t = ds.dataset(sys.argv[1], format="parquet", partitioning="hive").to_table().sort_by("step")
hexes = lambda a: [format(int(x), "x") for x in a]
print(json.dumps({"step": t.column("step").to_pylist(),
                  "vx": hexes(t.column("vx").to_numpy().view(np.uint32)),
                  "rho": hexes(t.column("rho").to_numpy().view(np.uint64)),
                  "id": hexes(t.column("id").to_numpy().view(np.uint64))}))
`;
  const result = spawnSync('python3', ['-c', script, path.join(dir, 'fields')], { encoding: 'utf8' });
  if (result.error || (result.status !== 0 && /No module named/.test(result.stderr))) return null;
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

function bitsHex(value: number, width: 4 | 8): string {
  const view = new DataView(new ArrayBuffer(8));
  if (width === 4) {
    view.setFloat32(0, value, true);
    return view.getUint32(0, true).toString(16);
  }
  view.setFloat64(0, value, true);
  return view.getBigUint64(0, true).toString(16);
}

test('committed loaned frames read back bit exact with pyarrow beside a copied one', async (t) => {
  const dir = scratchDir(t);
  const steps = [0, 1, 2, 3];
  {
    await using ingestor = await Ingestor.open(dir, config);
    for (const step of steps) {
      if (step === 2) {
        await ingestor.ingest('fields', {
          step,
          time: step / 2,
          columns: {
            vx: Float32Array.from({ length: CELLS }, (_, i) => vxOf(step, i)),
            rho: Float64Array.from({ length: CELLS }, (_, i) => rhoOf(step, i)),
            id: BigInt64Array.from({ length: CELLS }, (_, i) => BigInt(step) * 2n ** 40n - BigInt(i)),
          },
        });
        continue;
      }
      const frame = ingestor.frameBegin('fields', step, step / 2);
      const { vx, rho, id } = frame.columns as { vx: Float32Array; rho: Float64Array; id: BigInt64Array };
      assert.ok(vx instanceof Float32Array && vx.length === CELLS);
      for (let i = 0; i < CELLS; i += 1) {
        vx[i] = vxOf(step, i);
        rho[i] = rhoOf(step, i);
        id[i] = BigInt(step) * 2n ** 40n - BigInt(i);
      }
      frame.commit();
    }
    const probe = ingestor.frameBegin('probes', 0, 0, 3);
    (probe.column('v') as Uint16Array).set([1, 65535, 7]);
    probe.commit();
    await ingestor.flush();
    const { loans } = ingestor.stats();
    assert.equal(loans.committed, 4);
    assert.equal(loans.open, 0);
  }
  const arrow = readWithPyarrow(dir);
  if (arrow === null) return t.skip('pyarrow is not installed');
  assert.equal(arrow.step.length, steps.length * CELLS);
  for (const step of steps)
    for (let i = 0; i < CELLS; i += 1) {
      const row = step * CELLS + i;
      assert.equal(arrow.step[row], step);
      assert.equal(arrow.vx[row], bitsHex(vxOf(step, i), 4), `vx row ${row}`);
      assert.equal(arrow.rho[row], bitsHex(rhoOf(step, i), 8), `rho row ${row}`);
      assert.equal(arrow.id[row], BigInt.asUintN(64, BigInt(step) * 2n ** 40n - BigInt(i)).toString(16), `id row ${row}`);
    }
});

test('after commit the arrays are detached and the frame refuses every use', async (t) => {
  await using ingestor = await Ingestor.open(scratchDir(t), config);
  const frame = ingestor.frameBegin('fields', 7, 0);
  const vx = frame.column('vx') as Float32Array;
  vx.fill(1);
  (frame.column('rho') as Float64Array).fill(2);
  (frame.column('id') as BigInt64Array).fill(3n);
  frame.commit();
  assert.equal(vx.length, 0, 'detached at commit');
  assert.equal(vx.buffer.byteLength, 0);
  vx[0] = 42; // a no-op on a detached buffer, never a write into the engine
  assert.equal(vx[0], undefined);
  const ended = { code: 'ERR_INVALID_ARGUMENT', message: /loaned frame \(stream "fields", step 7\)/ };
  assert.throws(() => frame.commit(), { ...ended, message: /cannot commit: it was already committed/ });
  assert.throws(() => frame.abort(), { ...ended, message: /cannot abort: it was already committed/ });
  assert.throws(() => frame.columns, { ...ended, message: /its columns are gone: it was committed/ });

  const aborted = ingestor.frameBegin('fields', 8, 0);
  aborted.abort();
  assert.throws(() => aborted.commit(), (e: unknown) => e instanceof SimingestError && /already aborted/.test(e.message));
  await ingestor.flush();
  assert.equal(ingestor.stats().streams.fields.framesCommitted, 1);
});

test('an unknown column, a gridless stream without rows and bad arguments are refused', async (t) => {
  await using ingestor = await Ingestor.open(scratchDir(t), config);
  const frame = ingestor.frameBegin('fields', 3, 0);
  assert.throws(() => frame.column('vy'), {
    code: 'ERR_UNKNOWN_COLUMN',
    message: 'loaned frame (stream "fields", step 3): unknown column "vy"',
  });
  frame.abort();
  assert.throws(() => ingestor.frameBegin('probes', 0, 0), {
    code: 'ERR_INVALID_ARGUMENT',
    message: 'stream "probes": the stream has no grid: pass the row count',
  });
  assert.throws(() => ingestor.frameBegin('fields', 0.5, 0), { code: 'ERR_INVALID_ARGUMENT', message: /step/ });
});

test('close() detaches and reclaims a frame still open, counted as leaked', async (t) => {
  const ingestor = await Ingestor.open(scratchDir(t), config);
  const frame = ingestor.frameBegin('fields', 0, 0);
  const vx = frame.column('vx') as Float32Array;
  const closing = ingestor.close();
  assert.equal(vx.length, 0, 'detached before the engine takes the buffer back');
  assert.throws(() => frame.commit(), { code: 'ERR_CLOSED', message: /its ingestor was closed/ });
  await closing;
  assert.throws(() => ingestor.frameBegin('fields', 1, 0), { code: 'ERR_CLOSED' });
});
