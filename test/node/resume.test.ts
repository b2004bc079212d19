// Restart from step through the TypeScript API (issue 6): a run ingests steps
// 0..99 with flushes and closes; the re-run reopens with resumeFromStep 60 and
// ingests from 58 with other values. DuckDB and pyarrow (readers we did not
// write) must see each step once: 0..60 from the first run, 61..99 from the
// second, bit for bit. checkpoint() reports the last durable step throughout.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ingestor, type Config } from 'simingest';
import { readStream, scratchDir } from './helpers';

const N = 64; // rows per frame (grid 8 x 8)
const RESUME = 60;

const config: Config = {
  streams: {
    fields: { columns: { u: 'float64', k: 'int32' }, grid: [8, 8], partition: { steps: 25 } },
    diag: { columns: { energy: 'float64' } },
  },
  rowGroupBytes: 8192,
  workers: 2,
};

function fields(run: number, step: number): { u: Float64Array; k: Int32Array } {
  const u = new Float64Array(N);
  const k = new Int32Array(N);
  for (let i = 0; i < N; i += 1) {
    u[i] = Math.sin(i * 0.01 + step) * (run + 1) + run * 1e-9 * i;
    k[i] = i * 7 + step * 1000 + run * 1_000_000;
  }
  return { u, k };
}

const energy = (run: number, step: number): number => 1 / (step + 1) + run;
const runOf = (step: number): number => (step <= RESUME ? 0 : 1);

async function ingest(ingestor: Ingestor, run: number, step: number): Promise<void> {
  await ingestor.ingest('fields', { step, time: step * 0.5, columns: fields(run, step) });
  await ingestor.ingest('diag', { step, time: step * 0.5, columns: { energy: energy(run, step) } });
}

// pyarrow's view of the fields stream: per step, the bits of u and the values of k.
type ArrowStep = { u: string[]; k: number[] };
function readWithPyarrow(dir: string): Record<string, ArrowStep> | null {
  const script = `
import json, sys
import numpy as np
import pyarrow.dataset as ds
t = ds.dataset(sys.argv[1], format="parquet", partitioning="hive").to_table()
out = {}
for step, u, k in zip(t.column("step").to_pylist(), t.column("u").to_numpy().view(np.uint64), t.column("k").to_pylist()):
    e = out.setdefault(str(step), {"u": [], "k": []})
    e["u"].append(format(int(u), "016x"))
    e["k"].append(k)
print(json.dumps(out))
`;
  const result = spawnSync('python3', ['-c', script, path.join(dir, 'fields')], { encoding: 'utf8' });
  if (result.error || (result.status !== 0 && /No module named/.test(result.stderr))) return null;
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, ArrowStep>;
}

function hexBits(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value, true);
  return view.getBigUint64(0, true).toString(16).padStart(16, '0');
}

test('resumeFromStep retires the frames after the step and the re-run replaces them exactly once', async (t) => {
  const dir = scratchDir(t);
  {
    await using first = await Ingestor.open(dir, config);
    assert.deepEqual(first.checkpoint(), { fields: null, diag: null });
    for (let step = 0; step < 100; step += 1) {
      await ingest(first, 0, step);
      if (step % 10 === 9) {
        await first.flush();
        assert.deepEqual(first.checkpoint(), { fields: step, diag: step });
      }
    }
  }

  const second = await Ingestor.open(dir, { ...config, resumeFromStep: RESUME });
  try {
    assert.deepEqual(second.checkpoint(), { fields: RESUME, diag: RESUME });
    const { recovery } = second.stats();
    assert.equal(recovery.resumedFromStep, RESUME);
    assert.ok(recovery.retired.length > 0);
    for (const retired of recovery.retired) {
      assert.ok(retired.stepMin > RESUME, JSON.stringify(retired));
      assert.ok(retired.movedTo.startsWith('_simingest/retired/'));
      assert.ok(existsSync(path.join(dir, retired.movedTo)), `${retired.movedTo} kept aside`);
      assert.ok(!existsSync(path.join(dir, retired.path)));
    }
    const cut = recovery.retired.filter((r) => r.keptAs !== null);
    assert.equal(cut.length, 2); // the file of each stream that holds step 60
    for (const r of cut) assert.deepEqual([r.framesKept, r.framesRetired], [1, 9]);

    for (let step = 58; step < 100; step += 1) await ingest(second, 1, step);
    await second.flush();
    const stats = second.stats();
    for (const stream of ['fields', 'diag']) {
      const s = stats.streams[stream]!;
      assert.equal(s.framesSkippedDuplicate, 3, stream); // 58, 59, 60: the dataset has them
      assert.equal(s.framesCommitted, 39, stream);
      assert.equal(s.framesAccepted, s.framesCommitted + s.framesDropped + s.framesSkippedDuplicate + s.framesInFlight);
    }
    assert.deepEqual(second.checkpoint(), { fields: 99, diag: 99 });
  } finally {
    await second.close();
  }
  assert.throws(() => second.checkpoint(), { code: 'ERR_CLOSED' });

  // DuckDB: every step once, values of the right run, bit for bit.
  const rows = await readStream(dir, 'fields', 'step, time, u, k');
  const seen = new Map<number, number>();
  const byStep = new Map<number, number[]>();
  rows.step!.forEach((s, i) => {
    const step = Number(s as bigint);
    seen.set(step, (seen.get(step) ?? 0) + 1);
    byStep.set(step, [...(byStep.get(step) ?? []), i]);
  });
  assert.equal(seen.size, 100);
  for (let step = 0; step < 100; step += 1) {
    assert.equal(seen.get(step), N, `rows of step ${step}`);
    const expected = fields(runOf(step), step);
    byStep.get(step)!.forEach((row, i) => {
      assert.ok(Object.is(rows.u![row], expected.u[i]), `u of step ${step} row ${i}`);
      assert.equal(rows.k![row], expected.k[i]);
      assert.equal(rows.time![row], step * 0.5);
    });
  }
  const diag = await readStream(dir, 'diag', 'step, energy');
  const order = diag.step!.map((s, i) => [Number(s as bigint), i] as const).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(order.map(([s]) => s), Array.from({ length: 100 }, (_, s) => s));
  for (const [step, i] of order) assert.ok(Object.is(diag.energy![i], energy(runOf(step), step)), `energy ${step}`);

  // pyarrow, when this machine has it.
  const arrow = readWithPyarrow(dir);
  if (arrow === null) {
    t.diagnostic('pyarrow not available: checked with DuckDB only');
    return;
  }
  assert.equal(Object.keys(arrow).length, 100);
  for (let step = 0; step < 100; step += 1) {
    const expected = fields(runOf(step), step);
    const got: ArrowStep = arrow[String(step)]!;
    assert.deepEqual(got.u, Array.from(expected.u, hexBits), `pyarrow u of step ${step}`);
    assert.deepEqual(got.k, Array.from(expected.k), `pyarrow k of step ${step}`);
  }
});
