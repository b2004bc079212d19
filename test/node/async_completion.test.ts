// Issue 11, item 3: flush() and close() complete through engine callbacks
// (simingest_flush_async / simingest_close_async), not a thread per call.
// Many flushes and a close called together all settle, in call order, with
// every frame committed; and the process's thread count does not grow with
// the number of flushes in flight.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ingestor, type Config } from 'simingest';
import { query, scratchDir } from './helpers';

const CONFIG: Config = {
  streams: {
    table: { columns: { v: 'float64' } },
    other: { columns: { w: 'int32' } },
  },
  workers: 2,
};

function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

async function committedRows(dataset: string, stream: string): Promise<number> {
  const glob = path.join(dataset, stream, '**', '*.parquet');
  const rows = await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${glob}')`);
  return rows.n[0] as number;
}

test('concurrent flush() calls and a close() all settle once, in call order, with every frame committed', async (t) => {
  const dataset = path.join(scratchDir(t), 'ds');
  const ingestor = await Ingestor.open(dataset, CONFIG);
  const FLUSHES = 100;
  const settled: string[] = [];
  const pending: Promise<void>[] = [];
  for (let i = 0; i < FLUSHES; i += 1) {
    await ingestor.ingest('table', { step: i, time: i, columns: { v: i / 2 } });
    pending.push(
      ingestor.flush().then(
        () => void settled.push(`flush ${i}`),
        (error: { code?: string }) => void settled.push(`flush ${i} rejected ${error.code}`),
      ),
    );
  }
  pending.push(ingestor.close().then(() => void settled.push('close')));
  const late = ingestor.flush();
  await assert.rejects(late, { code: 'ERR_CLOSED' });
  await Promise.all(pending);
  const expected = Array.from({ length: FLUSHES }, (_, i) => `flush ${i}`).concat('close');
  assert.deepEqual(settled, expected);
  assert.equal(await committedRows(dataset, 'table'), FLUSHES);
  // The lock was released when close() resolved: the dataset opens again.
  const again = await Ingestor.open(dataset, CONFIG);
  await again.close();
});

test('no thread is started per flush()', { skip: !existsSync('/proc/self/task') }, async (t) => {
  const dataset = path.join(scratchDir(t), 'ds');
  const ingestor = await Ingestor.open(dataset, CONFIG);
  // Warm up: whatever the first flush and promise machinery start lazily.
  await ingestor.ingest('table', { step: 0, time: 0, columns: { v: 0 } });
  await ingestor.flush();
  const before = threadCount();
  const CALLS = 200;
  const flushes: Promise<void>[] = [];
  let inFlight = 0;
  for (let i = 1; i <= CALLS; i += 1) {
    await ingestor.ingest('other', { step: i, time: i, columns: { w: i } });
    flushes.push(ingestor.flush());
  }
  // All 200 were issued before any could settle (settling needs this turn to end).
  const during = threadCount();
  await Promise.all(flushes.map((flush) => flush.then(() => void (inFlight += 1))));
  const after = threadCount();
  assert.equal(inFlight, CALLS);
  // A thread per call would add CALLS threads; allow the runtime a few of its own.
  assert.ok(during - before <= 4, `threads: ${before} before, ${during} with ${CALLS} flushes in flight`);
  assert.ok(after - before <= 4, `threads: ${before} before, ${after} after ${CALLS} flushes`);
  await ingestor.close();
  assert.equal(await committedRows(dataset, 'other'), CALLS);
});
