// Issue 10, item 4: JavaScript run inside the native ingest call. A getter on
// Array.prototype[1] is reached while the addon reads a frame (see
// fixtures/reentrance_child.ts). Before the fix, transferring a column's buffer
// from it and forcing GC read freed memory (segfault, or garbage committed),
// and a nested tryIngest from it committed step 1 with the nested frame's
// column a (-7 instead of 1). Now the transfer is a typed ERR_INVALID_ARGUMENT
// (detached buffer), the nested call is refused with ERR_INVALID_ARGUMENT, and
// step 1 reads back with its own values. A close() from the getter (the old
// addon went on to ingest into a handle its close thread was closing) now
// makes the outer ingest ERR_CLOSED.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ROWS } from './fixtures/reentrance_child';
import { query, scratchDir } from './helpers';

const CHILD = path.join(__dirname, 'fixtures', 'reentrance_child.js');
const run = promisify(execFile);

interface Outcome {
  mode: string;
  fired: boolean;
  outer: string;
  nested: string;
}

async function runChild(mode: string, dir: string): Promise<Outcome> {
  try {
    const { stdout } = await run(process.execPath, ['--expose-gc', CHILD, mode, dir], { timeout: 120_000 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as Outcome;
  } catch (error) {
    const failure = error as { code?: number; signal?: string; stderr?: string };
    assert.fail(`child ${mode} ended with code ${failure.code} signal ${failure.signal}: ${failure.stderr}`);
  }
}

test('a buffer transferred away by a getter during ingest is a typed error, not a crash', async (t) => {
  const dir = scratchDir(t);
  const result = await runChild('transfer', dir);
  assert.equal(result.fired, true, 'the getter on Array.prototype[1] never ran: the scenario was not reproduced');
  assert.equal(result.outer, 'ERR_INVALID_ARGUMENT');
  const parquet = readdirSync(dir, { recursive: true }).filter((name) => String(name).endsWith('.parquet'));
  assert.deepEqual(parquet, [], 'nothing was committed from the frame whose buffer went away');
});

test('a nested ingest from a getter is refused and the outer frame commits its own values', async (t) => {
  const dir = scratchDir(t);
  const result = await runChild('nested', dir);
  assert.equal(result.fired, true, 'the getter on Array.prototype[1] never ran: the scenario was not reproduced');
  assert.equal(result.nested, 'ERR_INVALID_ARGUMENT');
  assert.equal(result.outer, 'true');
  const glob = path.join(dir, 's', '**', '*.parquet');
  const rows = await query(
    `SELECT step::INTEGER AS step, count(*)::INTEGER AS n, min(a) AS amin, max(a) AS amax, min(b) AS bmin, max(b) AS bmax
     FROM read_parquet('${glob}', hive_partitioning = true) GROUP BY step ORDER BY step`,
  );
  // Before the fix: step 0 (the nested frame) was committed too, and step 1's a was -7.
  assert.deepEqual(rows, { step: [1], n: [ROWS], amin: [1], amax: [1], bmin: [2], bmax: [2] });
});

test('a close() from a getter during ingest makes that ingest ERR_CLOSED; nothing is committed', async (t) => {
  const dir = scratchDir(t);
  const result = await runChild('close', dir);
  assert.equal(result.fired, true, 'the getter on Array.prototype[1] never ran: the scenario was not reproduced');
  assert.equal(result.outer, 'ERR_CLOSED');
  const parquet = readdirSync(dir, { recursive: true }).filter((name) => String(name).endsWith('.parquet'));
  assert.deepEqual(parquet, []);
});
