// Schema evolution (issue 16 items 1-2) through the TypeScript API: a dataset
// written over three schema versions (v2 adds `c`, v3 widens `a` int16→int64
// and removes `r`) reads back from Dataset.query() as one apache-arrow Table:
// widened values exact, nulls (validity bitmaps) where a version lacks the
// column, nullable fields exactly for those columns; and a narrowing is
// ERR_SCHEMA_CONFLICT naming the column, both types and the rule; stats()
// shows the history through the typed Stats.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { Dataset, Ingestor, SimingestError, type Config } from 'simingest';
import { scratchDir } from './helpers';

const ROWS = 3;

function config(columns: Config['streams'][string]['columns'], schemaEvolution: 'strict' | 'additive'): Config {
  return { streams: { fields: { columns } }, workers: 1, commitIntervalMs: 0, schemaEvolution };
}

test('three schema versions read back as one table with nulls and widened values', async (t) => {
  const dir = path.join(scratchDir(t), 'ds');
  let ing = await Ingestor.open(dir, config({ a: 'int16', r: 'int32' }, 'strict'));
  await ing.ingest('fields', { step: 0, time: 0, columns: { a: new Int16Array([-7, 8, 32767]), r: new Int32Array([1, 2, 3]) } });
  await ing.close();
  ing = await Ingestor.open(dir, config({ a: 'int16', r: 'int32', c: 'uint8' }, 'additive'));
  await ing.ingest('fields', {
    step: 1, time: 1,
    columns: { a: new Int16Array([1, 2, 3]), r: new Int32Array([4, 5, 6]), c: new Uint8Array([250, 0, 9]) },
  });
  await ing.close();
  ing = await Ingestor.open(dir, config({ a: 'int64', c: 'uint8' }, 'additive'));
  await ing.ingest('fields', {
    step: 2, time: 2, columns: { a: new BigInt64Array([2n ** 40n, -1n, 0n]), c: new Uint8Array([1, 2, 3]) },
  });
  await ing.close();

  const dataset = await Dataset.open(dir);
  const table = await dataset.query('fields');
  dataset.close();
  assert.deepEqual(table.schema.fields.map((f) => [f.name, String(f.type), f.nullable]), [
    ['step', 'Int64', false], ['time', 'Float64', false], ['a', 'Int64', false], ['r', 'Int32', true],
    ['c', 'Uint8', true],
  ]);
  assert.equal(table.numRows, 3 * ROWS);
  assert.deepEqual(table.getChild('a')!.toArray(), new BigInt64Array([-7n, 8n, 32767n, 1n, 2n, 3n, 2n ** 40n, -1n, 0n]));
  assert.deepEqual([...table.getChild('r')!], [1, 2, 3, 4, 5, 6, null, null, null]);
  assert.deepEqual([...table.getChild('c')!], [null, null, null, 250, 0, 9, 1, 2, 3]);
});

test('a narrowing is ERR_SCHEMA_CONFLICT naming the column, both types and the rule', async (t) => {
  const dir = path.join(scratchDir(t), 'ds');
  await (await Ingestor.open(dir, config({ p: 'float64' }, 'strict'))).close();
  await assert.rejects(Ingestor.open(dir, config({ p: 'float32' }, 'additive')), (error: unknown) => {
    assert.ok(error instanceof SimingestError);
    assert.equal(error.code, 'ERR_SCHEMA_CONFLICT');
    assert.match(error.message, /column "p": float64 → float32 \(narrowing\) breaks the rule "a column's type may only widen/);
    return true;
  });
});

test('stats() shows the schema history (docs/STATS.md): versions, their columns, the first step of each from the next open', async (t) => {
  const dir = path.join(scratchDir(t), 'ds');
  let ing = await Ingestor.open(dir, config({ a: 'int16' }, 'strict'));
  assert.equal(ing.stats().streams.fields!.schemaVersion, 1);
  assert.deepEqual(ing.stats().streams.fields!.schemaHistory, []); // a stream that never evolved
  await ing.ingest('fields', { step: 0, time: 0, columns: { a: new Int16Array([1, 2, 3]) } });
  await ing.close();
  ing = await Ingestor.open(dir, config({ a: 'int32', c: 'uint8' }, 'additive'));
  const history = () => ing.stats().streams.fields!.schemaHistory.map((v) => [v.version, v.fromStep, v.schema.columns]);
  assert.equal(ing.stats().streams.fields!.schemaVersion, 2);
  const v1 = [{ name: 'a', dtype: 'int16' }];
  const v2 = [{ name: 'a', dtype: 'int32' }, { name: 'c', dtype: 'uint8' }];
  assert.deepEqual(history(), [[1, 0, v1], [2, null, v2]]); // no file of version 2 yet
  await ing.ingest('fields', { step: 5, time: 5, columns: { a: new Int32Array([1, 2, 3]), c: new Uint8Array([4, 5, 6]) } });
  await ing.flush();
  assert.deepEqual(history(), [[1, 0, v1], [2, null, v2]]); // documented: as the manifest was at open
  await ing.close();
  ing = await Ingestor.open(dir, config({ a: 'int32', c: 'uint8' }, 'additive'));
  assert.deepEqual(history(), [[1, 0, v1], [2, 5, v2]]);
  assert.equal(ing.stats().streams.fields!.schemaVersion, 2); // the same schema again: no new version
  await ing.close();
});
