// The appender from Node (ADR 0021): rows one call each, read back with DuckDB
// bit-exactly, each row with its own step and time; bad rows refused with
// SimingestError codes naming the problem.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ingestor, SimingestError, type Config } from 'simingest';
import { readStream, scratchDir } from './helpers';

const NAMES = ['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7'];

const config: Config = {
  streams: {
    joints: { columns: Object.fromEntries(NAMES.map((n) => [n, 'float64' as const])), appender: { rows: 1000, intervalMs: 0 } },
    mixed: { columns: { f: 'float32', i8: 'int8', u16: 'uint16', i64: 'int64', u64: 'uint64' } },
    checked: { columns: { a: 'int32', b: { dtype: 'float64', nonFinite: 'reject' } } },
    grid: { columns: { v: 'float32' }, grid: [2, 2] },
  },
  workers: 2,
};

function rowOf(step: number): number[] {
  const values = NAMES.map((_, j) => step * 1.5 + j / 7);
  // NaN payloads are checked from Python (numpy keeps the bits; a JS number may not).
  if (step % 89 === 0) values[5] = -0;
  return values;
}

function bits(value: unknown): bigint {
  return new BigUint64Array(new Float64Array([Number(value)]).buffer)[0]!;
}

test('rows appended from arrays and typed arrays keep their own step and time (DuckDB reads them bit-exact)', async (t) => {
  const dir = scratchDir(t);
  const ing = await Ingestor.open(dir, config);
  const app = ing.appender('joints');
  const steps: number[] = [];
  for (let s = 0; s < 2500; ++s) {
    const step = s * 3 - 40;
    steps.push(step);
    // Half as plain arrays, half as a Float64Array (copied in one go).
    app.append(step, step / 100, s % 2 ? rowOf(step) : new Float64Array(rowOf(step)));
  }
  app.flush();
  const stats = ing.stats();
  assert.equal(stats.streams.joints!.framesAccepted, 2500);  // a row counts as a frame
  app.close();
  await ing.close();
  const rows = await readStream(dir, 'joints');
  assert.deepEqual(rows.step!.map(Number), steps);
  for (let i = 0; i < steps.length; ++i) {
    assert.equal(bits(rows.time![i]), bits(steps[i]! / 100), `time of row ${i}`);
    const expected = rowOf(steps[i]!);
    for (let j = 0; j < NAMES.length; ++j)
      assert.equal(bits(rows[NAMES[j]!]![i]), bits(expected[j]), `row ${i} ${NAMES[j]}`);
  }
});

test('every dtype is packed in its column\'s width and read back exactly', async (t) => {
  const dir = scratchDir(t);
  const ing = await Ingestor.open(dir, config);
  const app = ing.appender('mixed');
  app.append(0, 0, [1.5, -128, 65535, -(2n ** 63n), 2n ** 64n - 1n]);
  app.append(1n, 0.5, [-0.25, 127, 0, 2n ** 63n - 1n, 0]);
  app.append(2, 1, [3, -1, 7, -5, 2n ** 63n]);
  await ing.close();  // closes the appender first, handing its rows over
  assert.equal(app.closed, true);
  const rows = await readStream(dir, 'mixed');
  assert.deepEqual(rows.step!.map(Number), [0, 1, 2]);
  assert.deepEqual(rows.f, [1.5, -0.25, 3]);
  assert.deepEqual(rows.i8, [-128, 127, -1]);
  assert.deepEqual(rows.u16, [65535, 0, 7]);
  assert.deepEqual(rows.i64, [-(2n ** 63n), 2n ** 63n - 1n, -5n]);
  assert.deepEqual(rows.u64, [2n ** 64n - 1n, 0n, 2n ** 63n]);
});

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SimingestError, String(error));
    return `${error.code}: ${error.message}`;
  }
  return 'no error';
}

test('bad rows are refused with a code and a message naming the problem', async (t) => {
  const dir = scratchDir(t);
  const ing = await Ingestor.open(dir, config);
  assert.match(code(() => ing.appender('nope')), /^ERR_UNKNOWN_STREAM: /);
  assert.equal(code(() => ing.appender('grid')),
               'ERR_INVALID_ARGUMENT: appender: stream "grid": a stream with a grid takes whole frames, not rows');
  const app = ing.appender('checked');
  assert.equal(code(() => app.append(1, 0.5, [1, 2, 3])),
               'ERR_INVALID_ARGUMENT: appender: stream "checked": a row has 2 values (a, b) but 3 were given');
  assert.match(code(() => app.append(1, 0.5, [1.5, 2])), /^ERR_DTYPE_MISMATCH: Expected an integer from -2147483648 to 2147483647 for columns\.a but received number 1\.5/);
  assert.match(code(() => app.append(1, 0.5, [1, '2' as unknown as number])), /^ERR_DTYPE_MISMATCH: Expected a number for values\[1\] \(column b\)/);
  assert.match(code(() => app.append(1.5, 0.5, [1, 2])), /^ERR_INVALID_ARGUMENT: Expected a safe integer or a bigint for step/);
  assert.equal(code(() => app.append(1, 0.5, [1, NaN])),
               'ERR_NON_FINITE: stream "checked": appended row at step 1: column "b" is NaN but its nonFinite policy is "reject"');
  assert.match(code(() => app.append(1, Infinity, [1, 2])), /^ERR_INVALID_ARGUMENT: stream "checked": time must be finite/);
  app.flush();  // no rows: nothing to do, not an error
  assert.equal(ing.stats().streams.checked!.framesAccepted, 0);
  app.append(1, 0.5, [1, 2]);
  app.close();
  app.close();  // twice: nothing
  assert.equal(code(() => app.append(2, 0.5, [1, 2])), 'ERR_CLOSED: appender: the appender is closed');
  const late = ing.appender('checked');
  late.append(3, 1.5, [3, 4]);
  await ing.close();
  assert.equal(code(() => late.append(4, 2, [4, 5])), 'ERR_CLOSED: appender: the appender is closed');
  assert.match(code(() => ing.appender('checked')), /^ERR_CLOSED: /);
  const rows = await readStream(dir, 'checked');
  assert.deepEqual(rows.step!.map(Number), [1, 3]);
  assert.deepEqual(rows.a, [1, 3]);
});

test('rows wait in the host buffers until a batch is full, flush() or close, in order with bigint steps', async (t) => {
  const dir = scratchDir(t);
  const small: Config = { ...config, streams: { ...config.streams,
    joints: { ...config.streams.joints!, appender: { rows: 10, intervalMs: 0 } } } };
  const ing = await Ingestor.open(dir, small);
  const app = ing.appender('joints');
  for (let step = 0; step < 25; ++step) app.append(step, step / 100, rowOf(step));
  // Host batches of 10 (the stream's appender.rows, not 1024): 20 rows reached
  // the engine, which handed the first 10 on when the 11th came.
  assert.equal(ing.stats().streams.joints!.framesAccepted, 10);
  app.flush();
  assert.equal(ing.stats().streams.joints!.framesAccepted, 25);
  app.append(25n, 0.25, rowOf(25));  // a bigint step: the waiting rows go first
  app.append(26, 0.26, rowOf(26));
  const other = ing.appender('mixed');
  other.append(0, 0, [1.5, -1, 2, 3n, 4n]);
  await ing.close();  // hands both appenders' waiting rows
  const rows = await readStream(dir, 'joints');
  assert.deepEqual(rows.step!.map(Number), Array.from({ length: 27 }, (_, s) => s));
  for (let s = 0; s < 27; ++s) {
    assert.equal(bits(rows.time![s]), bits(s / 100), `time of row ${s}`);
    for (let j = 0; j < NAMES.length; ++j) assert.equal(bits(rows[NAMES[j]!]![s]), bits(rowOf(s)[j]), `row ${s} ${NAMES[j]}`);
  }
  assert.deepEqual((await readStream(dir, 'mixed')).i64, [3n]);
});

test('thousands of rows through full batches and a partial one read back exactly', async (t) => {
  const dir = scratchDir(t);
  const ing = await Ingestor.open(dir, { ...config, streams: { ...config.streams,
    joints: { ...config.streams.joints!, appender: { rows: 65536, intervalMs: 0 } } } });
  const app = ing.appender('joints');
  const count = 3 * 1024 + 77;
  for (let s = 0; s < count; ++s) app.append(s, s / 100, rowOf(s));
  assert.equal(ing.stats().streams.joints!.framesAccepted, 0);  // 3 batches in the engine's buffer, 77 here
  await ing.close();
  const rows = await readStream(dir, 'joints');
  assert.deepEqual(rows.step!.map(Number), Array.from({ length: count }, (_, s) => s));
  for (let s = 0; s < count; s += 97)
    for (let j = 0; j < NAMES.length; ++j) assert.equal(bits(rows[NAMES[j]!]![s]), bits(rowOf(s)[j]), `row ${s} ${NAMES[j]}`);
});

test('a row the engine refuses at a later hand-off is named by its step; the rows after it still go in', async (t) => {
  const dir = scratchDir(t);
  const ing = await Ingestor.open(dir, { ...config, streams: { ...config.streams,
    timed: { columns: { x: 'float64' }, partition: { time: 2.5 } } } });
  const app = ing.appender('timed');
  // A time past the last time partition is the engine's check alone: the row
  // waits JavaScript-side like any other, and the hand-off at flush() finds it.
  for (const [step, time] of [[0, 0], [1, 1], [2, 1e300], [3, 3], [4, 4]] as const) app.append(step, time, [step * 0.5]);
  assert.match(code(() => app.flush()),
               /^ERR_INVALID_ARGUMENT: appender: the row at step 2: stream "timed": time 1\S*e\+300 is beyond the last partition/);
  // The rows before it are in the engine's buffer (the flush stopped at the error).
  assert.equal(ing.stats().streams.timed!.framesAccepted, 0);
  app.flush();  // the rows after it waited and go now
  assert.equal(ing.stats().streams.timed!.framesAccepted, 4);
  await ing.close();
  const rows = await readStream(dir, 'timed');
  assert.deepEqual(rows.step!.map(Number), [0, 1, 3, 4]);
  assert.deepEqual(rows.x, [0, 0.5, 1.5, 2]);
});
