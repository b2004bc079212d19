// Issue 13 item 3: for await over Ingestor.subscribe() — frames of the
// realtime path arrive in order with their values, fromStep skips earlier
// steps, breaking the loop unsubscribes (ingest goes on, stats show no
// subscriber), a loop body that throws unsubscribes too, close ends the
// loop, a batch stream is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ingestor, SimingestError, type Config } from 'simingest';
import { scratchDir } from './helpers';

function config(route: 'realtime' | 'both'): Config {
  return {
    workers: 1,
    streams: {
      diag: { columns: { energy: 'float64', cells: 'int32', probe: 'float32' }, route, ...(route === 'both' ? { realtime: { everySteps: 2 } } : {}) },
      bulk: { columns: { x: 'float32' } },
    },
  };
}

function frame(step: number) {
  return {
    step,
    time: step / 10,
    columns: { energy: step * 0.5, cells: new Int32Array([step, -step]), probe: new Float32Array([step + 0.25, 1]) },
  };
}

test('subscribe delivers realtime frames in order with their values, from fromStep', async (t) => {
  const ing = await Ingestor.open(scratchDir(t), config('realtime'));
  const frames = ing.subscribe('diag', { fromStep: 3 });
  for (let step = 0; step < 10; step++) await ing.ingest('diag', frame(step));
  const seen: number[] = [];
  for await (const got of frames) {
    assert.equal(got.stream, 'diag');
    assert.equal(got.time, got.step / 10);
    assert.equal(got.droppedBefore, 0);
    assert.equal(got.columns.energy, got.step * 0.5);
    assert.deepEqual(Array.from(got.columns.cells as Int32Array), [got.step, -got.step]);
    assert.ok(got.columns.probe instanceof Float32Array);
    assert.deepEqual(Array.from(got.columns.probe), [got.step + 0.25, 1]);
    seen.push(got.step);
    if (got.step === 9) break; // unsubscribes
  }
  assert.deepEqual(seen, [3, 4, 5, 6, 7, 8, 9]);
  await ing.ingest('diag', frame(10)); // nobody listens: ingest goes on
  const stats = ing.stats();
  assert.equal(stats.realtime?.subscriptions.subscribers, 0);
  assert.equal(stats.realtime?.subscriptions.delivered, 7);
  await ing.close();
});

test('a "both" stream delivers every everySteps-th step, and close ends the loop', async (t) => {
  const ing = await Ingestor.open(scratchDir(t), config('both'));
  const frames = ing.subscribe('diag');
  for (let step = 0; step < 7; step++) await ing.ingest('diag', frame(step));
  const closing = ing.close();
  const seen: number[] = [];
  for await (const got of frames) seen.push(got.step);
  await closing;
  assert.deepEqual(seen, [0, 2, 4, 6]);
});

test('subscribing to a batch stream or after close is refused with a typed error', async (t) => {
  const ing = await Ingestor.open(scratchDir(t), config('realtime'));
  assert.throws(() => ing.subscribe('bulk'), (e: SimingestError) => e.code === 'ERR_INVALID_ARGUMENT' && /route is "batch"/.test(e.message));
  assert.throws(() => ing.subscribe('nope'), (e: SimingestError) => e.code === 'ERR_UNKNOWN_STREAM');
  assert.throws(() => ing.subscribe('diag', { fromStep: 1.5 }), /options\.fromStep/);
  await ing.close();
  assert.throws(() => ing.subscribe('diag'), (e: SimingestError) => e.code === 'ERR_CLOSED');
});

test('a loop whose body throws unsubscribes; ingest goes on', async (t) => {
  const ing = await Ingestor.open(scratchDir(t), config('realtime'));
  const frames = ing.subscribe('diag');
  for (let step = 0; step < 3; step++) await ing.ingest('diag', frame(step));
  await assert.rejects(async () => {
    for await (const got of frames) {
      if (got.step === 1) throw new Error('subscriber failed');
    }
  }, /subscriber failed/);
  assert.equal(ing.stats().realtime?.subscriptions.subscribers, 0);
  await ing.ingest('diag', frame(3)); // nobody listens: ingest goes on
  await ing.close();
});

// Issue 13 "Bad input and faults": a subscriber that never reads, one that unsubscribes twice.
test('a loop that never reads holds at most maxBuffered frames, the newest, and counts every gap', async (t) => {
  const ing = await Ingestor.open(scratchDir(t), config('realtime'));
  const frames = ing.subscribe('diag', { maxBuffered: 2 });
  for (let step = 0; step < 10; step++) await ing.ingest('diag', frame(step)); // never waits for the reader
  await ing.close(); // delivers what the engine queued, then ends the loop
  const got: { step: number; droppedBefore: number }[] = [];
  for await (const { step, droppedBefore } of frames) got.push({ step, droppedBefore });
  // The frames reach this thread through the event loop, so how many were read before the
  // rest arrived is not fixed; what is: in order, the newest last, each one received or counted.
  assert.deepEqual(got.map((f) => f.step), [...got.map((f) => f.step)].sort((a, b) => a - b));
  assert.equal(got.at(-1)?.step, 9);
  assert.equal(got.length + got.reduce((sum, f) => sum + f.droppedBefore, 0), 10);
  assert.equal(got[0]!.droppedBefore, got[0]!.step);
  for (let i = 1; i < got.length; i++) assert.equal(got[i]!.step - got[i - 1]!.step - 1, got[i]!.droppedBefore);
});

test('unsubscribing twice is harmless; the iterator stays done and ingest goes on', async (t) => {
  const ing = await Ingestor.open(scratchDir(t), config('realtime'));
  const frames = ing.subscribe('diag');
  assert.equal(ing.stats().realtime?.subscriptions.subscribers, 1);
  assert.deepEqual(await frames.return?.(), { value: undefined, done: true });
  assert.deepEqual(await frames.return?.(), { value: undefined, done: true }); // a second call does nothing
  assert.equal(ing.stats().realtime?.subscriptions.subscribers, 0);
  await ing.ingest('diag', frame(0));
  assert.deepEqual(await frames.next(), { value: undefined, done: true });
  await ing.close();
});

// queueFrames and policy are the engine's simingest_subscribe_options; what a
// full queue does under each policy is proven where the delivery thread can be
// held (native/capi/subscribe_test.cpp, test/python/test_python_subscribe_async.py).
test('subscribe checks queueFrames and policy and hands them to the engine', async (t) => {
  const ing = await Ingestor.open(scratchDir(t), config('realtime'));
  assert.throws(() => ing.subscribe('diag', { queueFrames: 0 }), (e: SimingestError) => e.code === 'ERR_INVALID_ARGUMENT' && /options\.queueFrames/.test(e.message));
  assert.throws(() => ing.subscribe('diag', { queueFrames: 1_048_577 }), /1 to 1048576 for options\.queueFrames/);
  assert.throws(() => ing.subscribe('diag', { queueFrames: 2.5 }), /options\.queueFrames/);
  assert.throws(() => ing.subscribe('diag', { policy: 'dropNewest' as never }), (e: SimingestError) => e.code === 'ERR_INVALID_ARGUMENT' && /options\.policy/.test(e.message));
  assert.equal(ing.stats().realtime?.subscriptions.subscribers, 0); // nothing was subscribed by a refused call
  for (const options of [{ queueFrames: 1, policy: 'disconnect' as const }, { queueFrames: 4096, policy: 'dropOldest' as const }]) {
    const frames = ing.subscribe('diag', options);
    await ing.ingest('diag', frame(options.queueFrames));
    const { value } = await frames.next();
    assert.equal(value?.step, options.queueFrames);
    assert.equal(value?.droppedBefore, 0);
    await frames.return?.();
  }
  assert.equal(ing.stats().realtime?.subscriptions.subscribers, 0);
  await ing.close();
});
