// Issue 10, item 4: `await ingest()` on a frame that waited for room, then
// `const f = flush(); close(); await f`. The waiting tail was cleared one
// microtask after that ingest resolved, so the flush still awaited it, found
// close() called meanwhile and rejected with ERR_CLOSED (4 runs in 5), though
// close() committed the data. Every such flush must resolve, and every frame
// must read back.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ingestor, type Config } from 'simingest';
import { query, scratchDir } from './helpers';

const CELLS = 64 * 1024; // 256 KiB per frame against a 1 MiB budget
const CONFIG: Config = {
  streams: {
    big: { columns: { x: 'float32' }, grid: [CELLS] },
    small: { columns: { v: 'float64' } },
  },
  memoryLimit: 2 ** 20,
  workers: 1,
  backpressure: 'block',
};
const RUNS = 50;

// Fires frames until one has to wait for room (tryIngest refuses to overtake
// a waiting frame), and returns that frame's promise and the count fired.
function fillUntilOneWaits(ingestor: Ingestor): { waiting: Promise<void>; frames: number } {
  const fired: Promise<void>[] = [];
  for (let step = 0; step < 1000; step += 1) {
    fired.push(ingestor.ingest('big', { step, time: step, columns: { x: new Float32Array(CELLS).fill(step) } }));
    if (!ingestor.tryIngest('small', { step, time: step, columns: { v: step } })) {
      return { waiting: fired.at(-1)!, frames: fired.length };
    }
  }
  throw new Error('no frame ever waited for room: the scenario was not reproduced');
}

test('flush() called right before close() resolves after an ingest that waited for room', async (t) => {
  const root = scratchDir(t);
  let expected = 0;
  const failures: string[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const ingestor = await Ingestor.open(path.join(root, `run${run}`), CONFIG);
    const { waiting, frames } = fillUntilOneWaits(ingestor);
    expected += frames;
    await waiting;
    const flushed = ingestor.flush();
    const closed = ingestor.close();
    await flushed.catch((error: { code?: string }) => failures.push(`run ${run}: ${error.code}`));
    await closed;
  }
  assert.deepEqual(failures, [], `${failures.length} of ${RUNS} flushes rejected`);
  const glob = path.join(root, '*', 'big', '**', '*.parquet');
  const rows = await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${glob}')`);
  assert.deepEqual(rows.n, [expected * CELLS]);
});
