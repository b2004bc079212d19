// A caller that awaits each ingest() continues in microtasks, which never let
// timers or I/O run. ingest() therefore resolves through a macrotask once the
// frames it copied at once have held the event loop for a slice (lib/ingestor.ts
// EVENT_LOOP_SLICE_MS): a timer set before such a loop fires while it runs,
// and the frames still enter the engine in call order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ingestor, type Config } from 'simingest';
import { readStream, scratchDir } from './helpers';

const config: Config = {
  streams: { probes: { columns: { energy: 'float64', residual: 'float64' } } },
  // Room for every frame below: no ingest waits for room (which would also let timers run).
  memoryLimit: 256 * 1024 * 1024,
  backpressure: 'block',
};

// Far more frames than one slice holds (a small frame costs microseconds).
const CAP = 200_000;

test('a timer fires while a loop awaits ingest() of frames the engine takes at once', async (t) => {
  const dir = scratchDir(t);
  let frames = 0;
  {
    await using ingestor = await Ingestor.open(dir, config);
    let fired = false;
    setTimeout(() => {
      fired = true;
    }, 0);
    while (!fired && frames < CAP) {
      await ingestor.ingest('probes', { step: frames, time: frames * 0.5, columns: { energy: frames, residual: -frames } });
      frames += 1;
    }
    assert.ok(fired, `the timer did not fire during ${CAP} awaited ingests`);
    // The loop goes on after the turn: the next frames keep their order.
    for (let k = 0; k < 10; k += 1) {
      await ingestor.ingest('probes', { step: frames, time: frames * 0.5, columns: { energy: frames, residual: -frames } });
      frames += 1;
    }
  }
  const rows = await readStream(dir, 'probes', 'step, time, energy, residual');
  assert.equal(rows.step!.length, frames);
  rows.step!.forEach((step, i) => {
    assert.equal(Number(step), i);
    assert.equal(rows.time![i], i * 0.5);
    assert.equal(rows.energy![i], i);
    assert.equal(rows.residual![i], -i);
  });
});

// A slice is measured from the start of the call that opens it: an ingest
// whose copy alone outlasts the slice (a large frame into fresh pages takes
// 10-30 ms on a VM whose memory is not yet backed) yields before the caller's
// next ingest, instead of letting a second such call run before any timer.
test('an ingest that alone outlasts the slice lets the event loop turn before the next one', async (t) => {
  const dir = scratchDir(t);
  const rows = 16 * 1024 * 1024; // 64 MiB of float32: a copy of several ms on any machine
  const big: Config = { streams: { field: { columns: { u: 'float32' } } }, memoryLimit: 1024 * 1024 * 1024, backpressure: 'block' };
  const values = new Float32Array(rows).fill(1.5);
  await using ingestor = await Ingestor.open(dir, big);
  let turned = false;
  setImmediate(() => {
    turned = true;
  });
  const started = performance.now();
  await ingestor.ingest('field', { step: 0, time: 0, columns: { u: values } });
  const took = performance.now() - started;
  assert.ok(took >= 1, `the 64 MiB ingest took ${took.toFixed(2)} ms, under the 1 ms slice: the case does not arise`);
  assert.ok(turned, `no macrotask ran after an ingest that held the thread for ${took.toFixed(2)} ms`);
});
