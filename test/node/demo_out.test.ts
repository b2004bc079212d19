// Issue 10, item 1: `simingest demo --out DIR` deleted any directory holding
// _simingest/manifest.json, even a dataset another process had open. It now
// replaces only an earlier demo dataset (marked _simingest/demo, holding only
// the demo's streams) that no ingestor holds; anything else is refused with a
// non-zero exit and left untouched.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Ingestor } from 'simingest';
import { demoConfig } from 'simingest/demo';
import { query, scratchDir } from './helpers';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const bin = path.join(ROOT, 'bin', 'simingest.js');

interface Run {
  code: number;
  stderr: string;
}

async function demo(out: string, steps = 3, grid = '16x16'): Promise<Run> {
  try {
    await execFileAsync(process.execPath, [bin, 'demo', '--out', out, '--steps', String(steps), '--grid', grid]);
    return { code: 0, stderr: '' };
  } catch (error) {
    const failure = error as { code?: number; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : -1, stderr: failure.stderr ?? '' };
  }
}

async function rowCount(dataset: string, stream: string): Promise<number> {
  const glob = path.join(dataset, stream, '**', '*.parquet');
  const rows = await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${glob}')`);
  return rows.n![0] as number;
}

async function writePressure(dir: string): Promise<void> {
  await using ingestor = await Ingestor.open(dir, { streams: { pressure: { columns: { p: 'float64' } } } });
  for (let step = 0; step < 4; step += 1) await ingestor.ingest('pressure', { step, time: step, columns: { p: step } });
}

// The repro: a Python process writes a `pressure` stream and keeps the
// dataset open until told to close it.
const HOLDER = `
import sys, simingest
ing = simingest.Ingestor(sys.argv[1], {"streams": {"pressure": {"columns": {"p": "float64"}}}})
for step in range(4):
    ing.ingest("pressure", step, float(step), {"p": float(step)})
ing.flush()
print("ready", flush=True)
sys.stdin.readline()
ing.close()
`;

test('demo --out on a dataset another process holds open is refused and the stream stays', async (t) => {
  const dir = path.join(scratchDir(t), 'held');
  const library = path.join(ROOT, 'build', 'Release', 'libsimingest.so');
  const env = {
    ...process.env,
    PYTHONPATH: path.join(ROOT, 'bindings', 'python'),
    SIMINGEST_LIBRARY: process.env.SIMINGEST_LIBRARY ?? library,
  };
  const python = spawn(process.env.PYTHON ?? 'python3', ['-c', HOLDER, dir], {
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // Its first line, or its end if it failed to start (then its stderr, inherited, says why).
  const ready = await Promise.race([
    once(python.stdout, 'data').then(([chunk]) => String(chunk).trim()),
    once(python, 'exit').then(([code]) => `exited with ${String(code)}`),
    once(python, 'error').then(([error]) => `did not start: ${String(error)}`),
  ]);
  assert.equal(ready, 'ready', `the Python process holding the dataset ${ready}`);
  try {
    const result = await demo(dir);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /did not write|open in another ingestor/);
    assert.match(result.stderr, /nothing was changed/);
  } finally {
    python.stdin.end('\n');
    await once(python, 'exit');
  }
  assert.equal(python.exitCode, 0);
  assert.equal(await rowCount(dir, 'pressure'), 4);
});

test('demo --out on a dataset the demo did not write is refused even when nobody holds it', async (t) => {
  const dir = path.join(scratchDir(t), 'plain');
  await writePressure(dir);
  const result = await demo(dir);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /is a simingest dataset the demo did not write .*nothing was changed/);
  assert.equal(await rowCount(dir, 'pressure'), 4);
  assert.equal(existsSync(path.join(dir, 'fields')), false);
});

test('demo --out replaces an earlier demo dataset, also one with another grid', async (t) => {
  const dir = path.join(scratchDir(t), 'demo');
  assert.equal((await demo(dir, 5, '16x16')).code, 0);
  assert.equal(await rowCount(dir, 'diagnostics'), 5);
  assert.equal((await demo(dir, 3, '8x8')).code, 0);
  assert.equal(await rowCount(dir, 'diagnostics'), 3);
  assert.equal(await rowCount(dir, 'fields'), 3 * 64);
});

test('demo --out refuses an earlier demo dataset that an ingestor holds, or that holds other streams', async (t) => {
  const dir = path.join(scratchDir(t), 'demo');
  assert.equal((await demo(dir)).code, 0);
  {
    await using held = await Ingestor.open(
      dir,
      demoConfig({ nx: 16, ny: 16, partitionSteps: 50, memoryLimit: 64 * 2 ** 20 }),
    );
    const result = await demo(dir);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /is open in another ingestor; nothing was changed/);
    assert.equal(held.closed, false);
  }
  assert.equal(await rowCount(dir, 'diagnostics'), 3);
  writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
  const result = await demo(dir);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /demo dataset with other content too \(notes\.txt\)/);
  assert.equal(await rowCount(dir, 'diagnostics'), 3);
});

test('demo --out naming a file is refused with a message, and the file stays', async (t) => {
  const file = path.join(scratchDir(t), 'notes.txt');
  writeFileSync(file, 'mine\n');
  const result = await demo(file);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /exists and is not a directory; nothing was changed/);
  assert.equal(readFileSync(file, 'utf8'), 'mine\n');
});
