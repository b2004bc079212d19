// `simingest demo --live`: one line per diagnostics frame, received through
// an in-process subscription while the run goes on, for every step in order;
// the printed energy is the one the dataset stores for that step.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Dataset } from 'simingest';
import { scratchDir } from './helpers';

const run = promisify(execFile);
const bin = path.resolve(__dirname, '..', '..', 'bin', 'simingest.js');

test('simingest demo --live prints each diagnostics frame as it arrives', async (t) => {
  const out = path.join(scratchDir(t), 'demo');
  const steps = 12;
  const demo = await run(process.execPath, [bin, 'demo', '--live', '--steps', String(steps), '--grid', '16x8', '--out', out],
    { timeout: 120_000 });
  const lines = demo.stdout.split('\n').filter((line) => line.startsWith('live step '));
  const printed = lines.map((line) => {
    const match = /^live step (\d+) t=\S+ energy=(\S+) enstrophy=\S+ maxVelocity=\S+$/.exec(line);
    assert.ok(match, line);
    return { step: Number(match[1]), energy: match[2] };
  });
  assert.deepEqual(printed.map((p) => p.step), Array.from({ length: steps }, (_, i) => i));
  assert.match(demo.stdout, /frames\s+24 committed \(fields 12, diagnostics 12\)/);

  const dataset = await Dataset.open(out);
  const table = await dataset.query('diagnostics');
  const energy = table.getChild('energy')?.toArray() as Float64Array;
  const stepsStored = Array.from(table.getChild('step')?.toArray() as BigInt64Array, Number);
  for (const p of printed) assert.equal(p.energy, energy[stepsStored.indexOf(p.step)]?.toPrecision(6));
  dataset.close();
});
