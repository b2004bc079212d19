// A corrupt committed file through the TypeScript API (issue 6, test 4): the
// open fails with a SimingestError whose code is 'ERR_CORRUPT' and whose
// message names the file, its reason and where it went; only that file is in
// _simingest/quarantine/; the next open succeeds with nothing new in
// stats().recovery.quarantined; DuckDB reads every other frame exactly.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ingestor, SimingestError, type Config } from 'simingest';
import { readStream, scratchDir } from './helpers';

const ROWS = 256;
const STEPS = 8;
const config: Config = {
  streams: { fields: { columns: { k: 'int32' }, partition: { steps: 4 } } },
  rowGroupBytes: 8192,
  workers: 1,
};

const value = (step: number, row: number): number => step * 100_000 + row * 3 - 7;

interface Entry {
  path: string;
  bytes: number;
  stepMin: number;
  stepMax: number;
}

function listedFiles(dir: string): Entry[] {
  const manifest = JSON.parse(readFileSync(path.join(dir, '_simingest', 'manifest.json'), 'utf8')) as {
    files: Entry[];
  };
  return manifest.files;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) =>
    statSync(path.join(dir, name)).isFile(),
  );
}

test('a truncated committed file fails the open with ERR_CORRUPT naming it, once', async (t) => {
  const dir = scratchDir(t);
  {
    await using ingestor = await Ingestor.open(dir, config);
    for (let step = 0; step < STEPS; step += 1) {
      const k = new Int32Array(ROWS);
      for (let row = 0; row < ROWS; row += 1) k[row] = value(step, row);
      await ingestor.ingest('fields', { step, time: step, columns: { k } });
      if (step % 2 === 1) await ingestor.flush(); // one committed file per two steps
    }
  }
  const files = listedFiles(dir);
  assert.equal(files.length, STEPS / 2);
  const victim = files[1]!;
  truncateSync(path.join(dir, victim.path), 10);

  await assert.rejects(Ingestor.open(dir, config), (error: unknown) => {
    assert.ok(error instanceof SimingestError);
    assert.equal(error.code, 'ERR_CORRUPT');
    assert.match(error.message, new RegExp(`${victim.path}: truncated: 10 of ${victim.bytes} bytes`));
    assert.ok(error.message.includes(`moved to _simingest/quarantine/${victim.path}`), error.message);
    return true;
  });
  assert.deepEqual(filesUnder(path.join(dir, '_simingest', 'quarantine')), [victim.path]);
  assert.ok(!existsSync(path.join(dir, victim.path)));

  {
    await using again = await Ingestor.open(dir, config);
    assert.deepEqual(again.stats().recovery.quarantined, []);
  }

  const rows = await readStream(dir, 'fields', 'step, k');
  const kept = [...Array(STEPS).keys()].filter((s) => s < victim.stepMin || s > victim.stepMax);
  assert.deepEqual(
    rows.step!.map(Number),
    kept.flatMap((s) => Array<number>(ROWS).fill(s)),
  );
  assert.deepEqual(
    rows.k,
    kept.flatMap((s) => Array.from({ length: ROWS }, (_, row) => value(s, row))),
  );
});
