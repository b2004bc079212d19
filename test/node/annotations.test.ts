// Units, descriptions and stream metadata (issue 16) and commitIntervalMs
// (issue 13) through the TypeScript API: the typed Config takes them, the
// engine stores the annotations in the manifest's stream schema, and a slow
// stream is committed by the interval without a flush (waited for on stats()).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ingestor, SimingestError, type Config } from 'simingest';
import { scratchDir } from './helpers';

const config: Config = {
  streams: {
    fields: {
      columns: { u: { dtype: 'float64', unit: 'm/s', description: 'velocity' }, n: 'int32' },
      metadata: { solver: 'tgv2d', parameters: { re: 1600, tags: ['a', null] } },
      commitIntervalMs: 100,
    },
  },
  commitIntervalMs: 0,
  workers: 1,
};

test('annotations reach the manifest and the interval commits without a flush', async (t) => {
  const dir = path.join(scratchDir(t), 'ds');
  const ing = await Ingestor.open(dir, config);
  await ing.ingest('fields', { step: 0, time: 0, columns: { u: new Float64Array([1.5, -2]), n: new Int32Array([3, 4]) } });
  const giveUp = Date.now() + 20_000;
  while (ing.stats().streams.fields.framesCommitted !== 1) {
    assert.ok(Date.now() < giveUp, 'not committed by commitIntervalMs');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const manifest = JSON.parse(readFileSync(path.join(dir, '_simingest', 'manifest.json'), 'utf8'));
  assert.equal(manifest.files.length, 1);
  const schema = manifest.streams.fields.schema;
  assert.deepEqual(schema.columns, [
    { name: 'u', dtype: 'float64', unit: 'm/s', description: 'velocity' },
    { name: 'n', dtype: 'int32' },
  ]);
  assert.deepEqual(schema.metadata, { parameters: { re: 1600, tags: ['a', null] }, solver: 'tgv2d' });
  await ing.close();
});

test('metadata that is not an object is ERR_CONFIG naming the key', async (t) => {
  const dir = path.join(scratchDir(t), 'ds');
  const bad = { streams: { s: { columns: { v: 'float64' }, metadata: [1] } } } as unknown as Config;
  await assert.rejects(Ingestor.open(dir, bad), (error: unknown) => {
    assert.ok(error instanceof SimingestError);
    assert.equal(error.code, 'ERR_CONFIG');
    assert.match(error.message, /streams\.s\.metadata: expected an object but received an array of 1 elements/);
    return true;
  });
});

test('metadata that cannot be written as JSON is ERR_CONFIG and creates nothing', async (t) => {
  const dir = path.join(scratchDir(t), 'ds');
  const circular: Record<string, unknown> = { solver: 'tgv2d' };
  circular.self = circular;
  for (const metadata of [{ seed: 10n }, circular]) {
    const bad = { streams: { s: { columns: { v: 'float64' }, metadata } } } as unknown as Config;
    await assert.rejects(Ingestor.open(dir, bad), (error: unknown) => {
      assert.ok(error instanceof SimingestError);
      assert.equal(error.code, 'ERR_CONFIG');
      assert.match(error.message, /^config: cannot be written as JSON: /);
      return true;
    });
    assert.equal(existsSync(dir), false);
  }
});
