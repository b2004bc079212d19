import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { NavierStokes2d } from 'simingest/demo';
import { readStream, scratchDir } from './helpers';

const run = promisify(execFile);
const bin = path.resolve(__dirname, '..', '..', 'bin', 'simingest.js');

test('simingest demo on a small grid, then inspect --json describes what it wrote', async (t) => {
  const out = path.join(scratchDir(t), 'demo');
  const steps = 12;
  const demo = await run(process.execPath, [bin, 'demo', '--steps', String(steps), '--grid', '16x8', '--out', out,
    '--partition-steps', '5', '--viscosity', '0.01']);
  assert.match(demo.stdout, /frames\s+24 committed \(fields 12, diagnostics 12\)/);
  assert.match(demo.stdout, /import duckdb/);
  assert.match(demo.stdout, /import pyarrow\.dataset/);
  assert.match(demo.stdout, /import polars/);
  // The hint works outside npm scripts too, where `simingest` is not on PATH.
  assert.match(demo.stdout, new RegExp(`^  npx simingest inspect ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));

  const inspected = JSON.parse((await run(process.execPath, [bin, 'inspect', out, '--json'])).stdout);
  const fields = inspected.streams.find((s: { name: string }) => s.name === 'fields');
  const diagnostics = inspected.streams.find((s: { name: string }) => s.name === 'diagnostics');
  assert.deepEqual(fields.grid, [8, 16]);
  assert.deepEqual(fields.partitioning, { steps: 5 });
  assert.deepEqual(fields.partitions, [0, 1, 2]);
  assert.equal(fields.rows, steps * 16 * 8);
  assert.equal(fields.frames, steps);
  assert.deepEqual(fields.steps, { min: 0, max: steps - 1 });
  assert.deepEqual(fields.columns.map((c: { name: string }) => c.name), ['step', 'time', 'vx', 'vy', 'p', 'vorticity']);
  assert.ok(fields.columns.slice(2).every((c: { compressionRatio: number }) => c.compressionRatio > 0));
  assert.equal(diagnostics.rows, steps);
  assert.equal(inspected.files, fields.files + diagnostics.files);

  const text = (await run(process.execPath, [bin, 'inspect', out])).stdout;
  assert.match(text, /stream fields/);
  assert.match(text, /grid\s+8 x 16/);

  // What DuckDB reads back is what the solver produced, step by step.
  const solver = new NavierStokes2d({ nx: 16, ny: 8, viscosity: 0.01, perturbation: 0.1 });
  const rows = await readStream(out, 'fields', 'step, time, vx, p');
  const diag = await readStream(out, 'diagnostics', 'step, energy');
  for (let s = 0; s < steps; s += 1) {
    if (s > 0) solver.advance();
    const { fields: f, diagnostics: d } = solver.sample();
    assert.equal(diag.energy![s], d.energy);
    for (let m = 0; m < 128; m += 1) {
      const row = s * 128 + m;
      assert.equal(rows.step![row], BigInt(s));
      assert.equal(rows.time![row], solver.time);
      assert.equal(rows.vx![row], f.vx[m]);
      assert.equal(rows.p![row], f.p[m]);
    }
  }
});

test('simingest inspect reads the backup manifest when manifest.json is damaged, and says so', async (t) => {
  const out = path.join(scratchDir(t), 'demo');
  await run(process.execPath, [bin, 'demo', '--steps', '6', '--grid', '8x8', '--out', out]);
  const before = JSON.parse((await run(process.execPath, [bin, 'inspect', out, '--json'])).stdout);
  // Read from the primary: the engine read and checked it, as opening the dataset does.
  assert.equal(before.manifestSource, 'manifest.json');

  const primary = path.join(out, '_simingest', 'manifest.json');
  writeFileSync(primary, readFileSync(primary, 'utf8').slice(0, 100)); // torn copy
  const after = JSON.parse((await run(process.execPath, [bin, 'inspect', out, '--json'])).stdout);
  assert.match(after.manifestSource, /^manifest\.bak\.json \(manifest\.json damaged/);
  assert.equal(after.files, before.files);
  assert.deepEqual(after.streams, before.streams);
  assert.match((await run(process.execPath, [bin, 'inspect', out])).stdout, /read from manifest\.bak\.json/);

  // A change that keeps the JSON valid (one digit of a row count) is caught by the CRC.
  const backupText = readFileSync(path.join(out, '_simingest', 'manifest.bak.json'), 'utf8');
  const edited = backupText.replace(/"rows": (\d)/, (_m, digit: string) => `"rows": ${(Number(digit) + 1) % 10}`);
  assert.notEqual(edited, backupText);
  writeFileSync(primary, edited);
  const flipped = JSON.parse((await run(process.execPath, [bin, 'inspect', out, '--json'])).stdout);
  assert.match(
    flipped.manifestSource,
    /^manifest\.bak\.json \(manifest\.json damaged: corrupt manifest: manifestCrc32c: CRC-32C mismatch \(document [0-9a-f]{8}, recorded [0-9a-f]{8}\)\)$/,
  );
  assert.deepEqual(flipped.streams, before.streams);

  rmSync(path.join(out, '_simingest', 'manifest.bak.json'));
  await assert.rejects(run(process.execPath, [bin, 'inspect', out]), (error: { stderr: string }) => {
    assert.match(error.stderr, /no good copy of the manifest.*manifest\.json: corrupt manifest: .*manifest\.bak\.json: missing \(ERR_CORRUPT\)/);
    return true;
  });
});

test('simingest inspect on a directory that is not a dataset fails with a clear message', async (t) => {
  const dir = scratchDir(t);
  await assert.rejects(run(process.execPath, [bin, 'inspect', dir]), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, /not a simingest dataset \(no manifest\) \(ERR_IO\)/);
    return true;
  });
});

test('simingest inspect on a dataset whose manifest.json is a FIFO fails fast with a typed message', async (t) => {
  const out = path.join(scratchDir(t), 'demo');
  await run(process.execPath, [bin, 'demo', '--steps', '2', '--grid', '8x8', '--out', out]);
  const primary = path.join(out, '_simingest', 'manifest.json');
  rmSync(primary);
  await run('mkfifo', [primary]);
  // Opening a FIFO for reading waits for a writer that never comes: a reader
  // that opens before it checks the file type hangs. The timeout turns such a
  // hang into a failure (execFile kills the child) instead of a stalled suite.
  const deadline = { timeout: 30_000 };

  // With a good backup, inspect reads it and names what is wrong with the primary.
  const fromBackup = JSON.parse((await run(process.execPath, [bin, 'inspect', out, '--json'], deadline)).stdout);
  assert.match(fromBackup.manifestSource, /^manifest\.bak\.json \(manifest\.json damaged: .*FIFO/);

  rmSync(path.join(out, '_simingest', 'manifest.bak.json'));
  await assert.rejects(run(process.execPath, [bin, 'inspect', out], deadline), (error: { code: number; signal: string | null; stderr: string }) => {
    assert.equal(error.signal, null, 'inspect hung on the FIFO and was killed');
    assert.equal(error.code, 1);
    assert.match(error.stderr, /manifest\.json: .*FIFO.*\(ERR_CORRUPT\)/s);
    return true;
  });
});
