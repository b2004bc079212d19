// inspectDataset() goes through the engine (simingest_inspect_json): it reads
// a dataset an Ingestor holds open (no lock taken, the writer keeps
// committing), and bad paths are typed errors.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ingestor, SimingestError, inspectDataset } from 'simingest';
import { scratchDir } from './helpers';

test('inspectDataset reads a dataset an Ingestor holds, between its commits', async (t) => {
  const out = path.join(scratchDir(t), 'ds');
  const ingestor = await Ingestor.open(out, { streams: { diag: { columns: { e: 'float64' } } }, workers: 1 });
  try {
    for (let step = 0; step < 3; step += 1) {
      await ingestor.ingest('diag', { step, time: step * 0.5, columns: { e: step } });
      await ingestor.flush();
      const summary = await inspectDataset(out);
      const diag = summary.streams.find((s) => s.name === 'diag')!;
      assert.equal(summary.manifestSource, 'manifest.json');
      assert.equal(diag.frames, step + 1);
      assert.deepEqual(diag.steps, { min: 0, max: step });
      assert.deepEqual(diag.time, { min: 0, max: step * 0.5 });
      assert.deepEqual(diag.columns.map((c) => [c.name, c.dtype]), [['step', 'int64'], ['time', 'float64'], ['e', 'float64']]);
    }
  } finally {
    await ingestor.close();
  }
});

test('inspectDataset rejects paths the engine cannot take with a typed error', async (t) => {
  const dir = scratchDir(t);
  await assert.rejects(inspectDataset(dir), (error: unknown) => {
    assert.ok(error instanceof SimingestError);
    assert.equal(error.code, 'ERR_IO');
    assert.equal(error.message, `${dir}/_simingest/manifest.json: not a simingest dataset (no manifest)`);
    return true;
  });
  for (const bad of ['', `${dir}\0/elsewhere`, 42 as unknown as string]) {
    await assert.rejects(inspectDataset(bad), (error: unknown) => {
      assert.ok(error instanceof SimingestError);
      assert.equal(error.code, 'ERR_INVALID_ARGUMENT');
      return true;
    });
  }
});
