// A real full disk (issue 6, test 3, TypeScript host): the dataset lives on
// a small tmpfs that the ingestor fills. The host must see a SimingestError
// with code 'ERR_NO_SPACE', later calls must be refused with it (not hang,
// not crash), close() must report it, every frame whose flush() resolved must
// stay readable and exact (pyarrow, through test/enospc/no_space_data.py,
// which defines the frames for every host), and the tmpfs must unmount
// afterwards (a descriptor the engine leaked would keep it busy).
//
// Mounting needs root (CAP_SYS_ADMIN): elsewhere the test skips, saying why.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ingestor, SimingestError } from 'simingest';

const REPO = path.resolve(__dirname, '..', '..');
const VERIFIER = path.join(REPO, 'test', 'enospc', 'no_space_data.py');
const FULL_ROWS = 4096;
const MAX_STEPS = 20000; // far more frames than either tmpfs holds

// The frames of test/enospc/no_space_data.py, bit for bit.
function lowbias32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

function frame(step: number, rows: number) {
  const k = new BigInt64Array(rows);
  const x = new Float64Array(rows);
  for (let row = 0; row < rows; row += 1) {
    const u = (step * FULL_ROWS + row) % 2 ** 32;
    k[row] = BigInt(lowbias32(u));
    x[row] = lowbias32((u ^ 0x5bd1e995) >>> 0) / 4294967296;
  }
  return { step, time: step, columns: { k, x } };
}

const CONFIG = {
  streams: { fill: { columns: { k: 'int64', x: 'float64' }, partition: { steps: 4 } } },
  rowGroupBytes: 65536,
  workers: 2,
} as const;

function isNoSpace(error: unknown): boolean {
  return error instanceof SimingestError && error.code === 'ERR_NO_SPACE';
}

// Large frames fill the disk while a data file is written; one-row-group
// files flushed one by one make the manifest's rewrite find the disk full.
const CASES = [
  { name: 'while writing a data file', size: '1m', rows: FULL_ROWS, flushEvery: 3 },
  { name: 'while rewriting the manifest', size: '256k', rows: 16, flushEvery: 1 },
];

for (const c of CASES) {
  test(`a full disk ${c.name} is ERR_NO_SPACE and committed frames survive`, async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('mounting a tmpfs needs root (CAP_SYS_ADMIN); not root here');
      return;
    }
    const mountpoint = mkdtempSync(path.join(tmpdir(), 'simingest-enospc-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${c.size},mode=0700`, 'tmpfs', mountpoint], {
      encoding: 'utf8',
    });
    if (mounted.status !== 0) {
      rmdirSync(mountpoint);
      t.skip(`cannot mount a tmpfs here: ${mounted.error?.message ?? mounted.stderr.trim()}`);
      return;
    }
    let unmounted = false;
    const unmount = () => {
      if (unmounted) return;
      unmounted = true;
      const busy = spawnSync('umount', [mountpoint], { encoding: 'utf8' });
      if (busy.status !== 0) spawnSync('umount', ['-l', mountpoint]);
      rmdirSync(mountpoint);
      assert.equal(busy.status, 0, `the tmpfs was still in use after close() (a leaked descriptor?): ${busy.stderr}`);
    };
    t.after(() => {
      try {
        unmount();
      } catch {
        // reported by the test body's own unmount()
      }
    });

    const dataset = path.join(mountpoint, 'run');
    const ingestor = await Ingestor.open(dataset, CONFIG);
    let committed = -1; // the last step whose flush() resolved
    let failure: unknown;
    for (let step = 0; step < MAX_STEPS && failure === undefined; step += 1) {
      try {
        await ingestor.ingest('fill', frame(step, c.rows));
        if (step % c.flushEvery === c.flushEvery - 1) {
          await ingestor.flush();
          committed = step;
        }
      } catch (error) {
        failure = error;
      }
    }
    assert.ok(failure !== undefined, `${MAX_STEPS} frames fitted on the tmpfs`);
    assert.ok(isNoSpace(failure), `expected ERR_NO_SPACE, got ${String(failure)}`);
    assert.match((failure as Error).message, /No space left on device/);
    assert.ok(committed >= 0, 'the disk was full before the first flush: nothing tested');

    // From now on the ingestor refuses work, with the same typed error.
    for (let step = MAX_STEPS; step < MAX_STEPS + 5; step += 1) {
      await assert.rejects(ingestor.ingest('fill', frame(step, c.rows)), isNoSpace);
    }
    await assert.rejects(ingestor.flush(), isNoSpace);
    await assert.rejects(ingestor.close(), isNoSpace);
    assert.equal(ingestor.closed, true);

    // The committed frames, read back by pyarrow.
    const python = process.env.PYTHON ?? 'python3';
    const verified = spawnSync(python, [VERIFIER, 'verify', dataset, String(committed), String(c.rows)], {
      encoding: 'utf8',
    });
    if (verified.error || verified.status === 77) {
      t.diagnostic(`pyarrow read-back skipped: ${verified.error?.message ?? verified.stdout.trim()}`);
    } else {
      assert.equal(verified.status, 0, `${VERIFIER} found problems:\n${verified.stdout}${verified.stderr}`);
    }
    unmount();
    t.diagnostic(`ERR_NO_SPACE after step ${committed} was committed`);
  });
}
