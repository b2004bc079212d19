import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ingestor, type Config } from 'simingest';
import { readStream, scratchDir } from './helpers';

const NX = 8;
const NY = 6;

const config: Config = {
  streams: {
    fields: {
      columns: { vx: 'float32', p: { dtype: 'float64', encoding: 'plain' }, tag: 'int16', id: 'uint64' },
      grid: [NY, NX],
      partition: { steps: 2 },
    },
    diagnostics: { columns: { energy: 'float64', iterations: 'int32', residual: 'float32' } },
  },
  compression: { codec: 'zstd', level: 3 },
  workers: 2,
};

function frameData(step: number) {
  const n = NX * NY;
  const vx = new Float32Array(n);
  const p = new Float64Array(n);
  const id = new BigUint64Array(n);
  for (let k = 0; k < n; k += 1) {
    vx[k] = Math.sin(k * 0.37 + step) * 1e3 + (k % 5 === 0 ? -0 : 0);
    p[k] = Math.PI * k - step / 3 + (k === 7 ? Number.MIN_VALUE : 0);
    id[k] = 2n ** 64n - 1n - BigInt(k * 1000 + step);
  }
  if (step === 1) {
    vx[3] = Number.NaN;
    p[4] = Number.POSITIVE_INFINITY;
  }
  return { vx, p, tag: -1234 + step, id };
}

test('values ingested through the TypeScript API read back exactly in DuckDB', async (t) => {
  const dir = scratchDir(t);
  const steps = [0, 1, 2, 3, 4];
  {
    await using ingestor = await Ingestor.open(dir, config);
    for (const step of steps) {
      const time = step * 0.125;
      await ingestor.ingest('fields', { step, time, columns: frameData(step) });
      await ingestor.ingest('diagnostics', {
        step,
        time,
        columns: { energy: 1.5 / (step + 1), iterations: step * 7, residual: 1e-6 * (step + 1) },
      });
    }
    await ingestor.flush();
    const stats = ingestor.stats();
    assert.equal(stats.streams.fields?.framesCommitted, steps.length);
    assert.equal(stats.streams.diagnostics?.framesCommitted, steps.length);
  }

  const fields = await readStream(dir, 'fields', 'step, time, vx, p, tag, id, part');
  assert.equal(fields.step!.length, steps.length * NX * NY);
  let row = 0;
  for (const step of steps) {
    const expected = frameData(step);
    for (let k = 0; k < NX * NY; k += 1, row += 1) {
      assert.equal(fields.step![row], BigInt(step));
      assert.equal(fields.time![row], step * 0.125);
      assert.ok(Object.is(fields.vx![row], expected.vx[k]), `vx[${row}] ${fields.vx![row]} != ${expected.vx[k]}`);
      assert.ok(Object.is(fields.p![row], expected.p[k]), `p[${row}]`);
      assert.equal(fields.tag![row], expected.tag);
      assert.equal(fields.id![row], expected.id[k]);
      assert.equal(Number(fields.part![row]), Math.floor(step / 2));
    }
  }

  const diagnostics = await readStream(dir, 'diagnostics', 'step, energy, iterations, residual');
  assert.deepEqual(diagnostics.step, steps.map(BigInt));
  assert.deepEqual(diagnostics.energy, steps.map((s) => 1.5 / (s + 1)));
  assert.deepEqual(diagnostics.iterations, steps.map((s) => s * 7));
  assert.deepEqual(diagnostics.residual, steps.map((s) => Math.fround(1e-6 * (s + 1))));
});
