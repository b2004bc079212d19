import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Ingestor, SimingestError, type Config } from 'simingest';
import { readStream, scratchDir } from './helpers';

const config: Config = {
  streams: {
    fields: { columns: { vx: 'float32', p: { dtype: 'float64', nonFinite: 'reject' } }, grid: [4, 4] },
    counters: { columns: { n: 'int8', big: 'uint64' } },
  },
  workers: 1,
};

const good = () => ({ step: 0, time: 0, columns: { vx: new Float32Array(16), p: new Float64Array(16) } });

function rejectsWith(code: string, message?: string | RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SimingestError, `not a SimingestError: ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return true;
  };
}

test('rejects a typed array of the wrong kind with the message C and Python give', async (t) => {
  await using ingestor = await Ingestor.open(scratchDir(t), config);
  await assert.rejects(
    ingestor.ingest('fields', { step: 0, time: 0, columns: { vx: new Float64Array(16), p: new Float64Array(16) } }),
    rejectsWith('ERR_DTYPE_MISMATCH', 'stream "fields": column "vx": expected float32 but received float64'),
  );
  assert.equal((await import('simingest')).SimingestError, SimingestError);
});

test('rejects wrong JavaScript types before they reach the engine', async (t) => {
  await using ingestor = await Ingestor.open(scratchDir(t), config);
  const cases: [unknown, string][] = [
    [{ ...good(), step: '1' }, 'Expected an integer for step but received string "1"'],
    [{ ...good(), step: 1.5 }, 'Expected an integer for step but received number 1.5'],
    [{ ...good(), time: null }, 'Expected a number for time but received null'],
    [{ step: 0, time: 0, columns: [1, 2] }, 'Expected an object of columns for columns but received Array'],
    [{ step: 0, time: 0, columns: { vx: 'fast', p: new Float64Array(16) } }, 'Expected a Float32Array or a number for columns.vx but received string "fast"'],
    [{ step: 0, time: 0, columns: { vx: new DataView(new ArrayBuffer(64)), p: new Float64Array(16) } }, 'Expected a typed array for columns.vx but received DataView'],
    [42, 'Expected a frame { step, time, columns } or an apache-arrow Table or RecordBatch for frame but received number 42'],
  ];
  for (const [frame, message] of cases) {
    await assert.rejects(ingestor.ingest('fields', frame as never), rejectsWith('ERR_INVALID_ARGUMENT', message));
  }
  await assert.rejects(
    ingestor.ingest('counters', { step: 0, time: 0, columns: { n: 300, big: 1n } }),
    rejectsWith('ERR_DTYPE_MISMATCH', 'Expected an integer from -128 to 127 for columns.n but received number 300'),
  );
  await assert.rejects(
    ingestor.ingest('counters', { step: 0, time: 0, columns: { n: 1, big: -1n } }),
    rejectsWith('ERR_DTYPE_MISMATCH', 'Expected a bigint or safe integer within uint64 for columns.big but received bigint -1'),
  );
  await assert.rejects(ingestor.ingest(7 as never, good()), rejectsWith('ERR_INVALID_ARGUMENT', 'Expected a string for stream but received number 7'));
  await assert.rejects(Ingestor.open('', config), rejectsWith('ERR_INVALID_ARGUMENT'));
  await assert.rejects(Ingestor.open(scratchDir(t), 'streams' as never), rejectsWith('ERR_INVALID_ARGUMENT'));
  // Nothing above reached the engine; a good frame still goes in.
  await ingestor.ingest('fields', good());
  await ingestor.ingest('counters', { step: 0, time: 0, columns: { n: -128, big: 2n ** 64n - 1n } });
  await ingestor.flush();
  assert.equal(ingestor.stats().framesCommitted, 2);
});

test('engine rules surface as SimingestError with the engine message', async (t) => {
  const dir = scratchDir(t);
  await assert.rejects(
    Ingestor.open(dir, { streams: { fields: { columns: { vx: 'float16' as never } } } }),
    rejectsWith('ERR_CONFIG', /streams\.fields\.columns\.vx/),
  );
  await using ingestor = await Ingestor.open(dir, config);
  await assert.rejects(Ingestor.open(dir, config), rejectsWith('ERR_DATASET_LOCKED'));
  await assert.rejects(ingestor.ingest('nope', good()), rejectsWith('ERR_UNKNOWN_STREAM', 'unknown stream "nope"'));
  await assert.rejects(
    ingestor.ingest('fields', { step: 0, time: 0, columns: { vx: new Float32Array(16) } }),
    rejectsWith('ERR_MISSING_COLUMN'),
  );
  await assert.rejects(
    ingestor.ingest('fields', { step: 0, time: 0, columns: { vx: new Float32Array(15), p: new Float64Array(15) } }),
    rejectsWith('ERR_LENGTH_MISMATCH'),
  );
  const p = new Float64Array(16);
  p[3] = Number.NaN;
  await assert.rejects(
    ingestor.ingest('fields', { step: 0, time: 0, columns: { vx: new Float32Array(16), p } }),
    rejectsWith('ERR_NON_FINITE'),
  );
  await assert.rejects(
    ingestor.ingest('fields', { step: 0, time: 0, columns: { ...good().columns, extra: new Float32Array(16) } }),
    rejectsWith('ERR_UNKNOWN_COLUMN'),
  );
});

test('a detached or transferred ArrayBuffer is refused, not read', async (t) => {
  await using ingestor = await Ingestor.open(scratchDir(t), config);
  const vx = new Float32Array(16);
  structuredClone(vx.buffer, { transfer: [vx.buffer] });
  assert.equal(vx.length, 0);
  await assert.rejects(
    ingestor.ingest('fields', { step: 0, time: 0, columns: { vx, p: new Float64Array(16) } }),
    rejectsWith('ERR_INVALID_ARGUMENT', 'columns.vx: the ArrayBuffer is detached'),
  );
  // Transferred while frames queue for room: each either went in before the
  // transfer or is refused afterwards; none is read after it moved.
  const tight = await Ingestor.open(scratchDir(t), {
    streams: { big: { columns: { v: 'float64' } } },
    memoryLimit: 2 ** 20,
    workers: 1,
  });
  const arrays = Array.from({ length: 40 }, () => new Float64Array(16384).fill(1));
  const results = arrays.map((v, step) => tight.ingest('big', { step, time: step, columns: { v } }));
  for (const v of arrays.slice(20)) structuredClone(v.buffer, { transfer: [v.buffer] });
  const settled = await Promise.allSettled(results);
  for (const outcome of settled) {
    if (outcome.status === 'rejected') rejectsWith('ERR_INVALID_ARGUMENT', /detached/)(outcome.reason);
  }
  await tight.close();
});

test('a SharedArrayBuffer written by another thread meanwhile is ingested without harm', async (t) => {
  const dir = scratchDir(t);
  const shared = new SharedArrayBuffer(16 * 4 + 4);
  const vx = new Float32Array(shared, 0, 16);
  const stop = new Int32Array(shared, 64, 1);
  const writer = new Worker(
    `const { workerData } = require('node:worker_threads');
     const vx = new Float32Array(workerData, 0, 16); const stop = new Int32Array(workerData, 64, 1);
     let i = 0; while (Atomics.load(stop, 0) === 0) { vx[i % 16] = i; i += 1; }`,
    { eval: true, workerData: shared },
  );
  try {
    await using ingestor = await Ingestor.open(dir, config);
    for (let step = 0; step < 200; step += 1) {
      await ingestor.ingest('fields', { step, time: step, columns: { vx, p: new Float64Array(16) } });
    }
    await ingestor.flush();
    assert.equal(ingestor.stats().framesCommitted, 200);
  } finally {
    Atomics.store(stop, 0, 1);
    await writer.terminate();
  }
  const rows = await readStream(dir, 'fields', 'vx');
  assert.equal(rows.vx!.length, 200 * 16);
  assert.ok(rows.vx!.every((v) => Number.isFinite(v)));
});

test('calls after close are refused and close twice is harmless', async (t) => {
  const ingestor = await Ingestor.open(scratchDir(t), config);
  await ingestor.ingest('fields', good());
  const first = ingestor.close();
  const second = ingestor.close();
  assert.equal(first, second);
  await assert.rejects(ingestor.ingest('fields', good()), rejectsWith('ERR_CLOSED'));
  await first;
  await ingestor.close();
  await ingestor[Symbol.asyncDispose]();
  assert.equal(ingestor.closed, true);
  await assert.rejects(ingestor.ingest('fields', good()), rejectsWith('ERR_CLOSED'));
  await assert.rejects(ingestor.flush(), rejectsWith('ERR_CLOSED'));
  assert.throws(() => ingestor.stats(), rejectsWith('ERR_CLOSED'));
});
