import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { test } from 'node:test';
import { Ingestor } from 'simingest';
import { query, scratchDir } from './helpers';

const MiB = 2 ** 20;

test('a tiny memory budget bounds memory and still commits every frame', async (t) => {
  const dir = scratchDir(t);
  const cells = 16 * 1024; // 64 KiB per float32 column, 128 KiB per frame
  const frames = 300;
  const memoryLimit = 1 * MiB;
  const vx = new Float32Array(cells);
  const vy = new Float32Array(cells);
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  let memoryPeak = 0;
  {
    await using ingestor = await Ingestor.open(dir, {
      streams: { fields: { columns: { vx: 'float32', vy: 'float32' }, grid: [cells], partition: { steps: 100 } } },
      memoryLimit,
      workers: 2,
      backpressure: 'block',
      fileBytes: 4 * MiB,
    });
    // Fired without awaiting: frames queue behind each other in the ingestor
    // while the budget is full, and still enter the engine in call order.
    const pending: Promise<void>[] = [];
    for (let step = 0; step < frames; step += 1) {
      vx.fill(step);
      vy.fill(-step);
      const frame = { step, time: step, columns: { vx: vx.slice(), vy: vy.slice() } };
      pending.push(ingestor.ingest('fields', frame));
      if (step % 25 === 24) {
        await Promise.all(pending.splice(0));
        const stats = ingestor.stats();
        memoryPeak = Math.max(memoryPeak, stats.memoryPeak);
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      }
    }
    await Promise.all(pending);
    await ingestor.flush();
    const stats = ingestor.stats();
    memoryPeak = Math.max(memoryPeak, stats.memoryPeak);
    assert.equal(stats.framesAccepted, frames);
    assert.equal(stats.framesCommitted, frames);
    assert.equal(stats.framesDropped, 0);
    assert.ok(memoryPeak <= memoryLimit, `memoryPeak ${memoryPeak} > ${memoryLimit}`);
  }
  t.diagnostic(`engine memoryPeak ${(memoryPeak / MiB).toFixed(2)} MiB of ${memoryLimit / MiB} MiB; ` +
    `RSS grew ${((rssPeak - rssBefore) / MiB).toFixed(1)} MiB over ${(frames * cells * 8) / MiB} MiB ingested`);
  assert.ok(rssPeak - rssBefore < 200 * MiB, 'RSS grew by more than 200 MiB');

  const glob = `${dir}/fields/**/*.parquet`;
  const rows = await query(
    `SELECT step, count(*) AS n, min(vx) AS lo, max(vx) AS hi, min(vy) AS vy_lo
     FROM read_parquet('${glob}') GROUP BY step ORDER BY step`,
  );
  assert.deepEqual(rows.step, Array.from({ length: frames }, (_, s) => BigInt(s)));
  assert.ok(rows.n!.every((n) => n === BigInt(cells)));
  assert.deepEqual(rows.lo, Array.from({ length: frames }, (_, s) => s));
  assert.deepEqual(rows.hi, rows.lo);
  assert.deepEqual(rows.vy_lo, Array.from({ length: frames }, (_, s) => -s));
});

test('the event loop stays responsive during heavy ingest under backpressure', async (t) => {
  const dir = scratchDir(t);
  const cells = 512 * 512;
  const frames = 80;
  const columns = {
    vx: Float32Array.from({ length: cells }, (_, k) => Math.sin(k)),
    vy: Float32Array.from({ length: cells }, (_, k) => Math.cos(k)),
    p: Float32Array.from({ length: cells }, (_, k) => k % 977),
  };
  await using ingestor = await Ingestor.open(dir, {
    streams: { fields: { columns: { vx: 'float32', vy: 'float32', p: 'float32' }, grid: [512, 512] } },
    // The engine charges a 3 MiB frame about 7 MiB (its buffer in whole 2 MiB
    // pages plus the reservation for its encoded pages), so two or three fit
    // and the budget is full most of the time.
    memoryLimit: 20 * MiB,
    workers: 2,
    compression: { codec: 'zstd', level: 3 },
  });
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let ticks = 0;
  const interval = setInterval(() => (ticks += 1), 5);
  histogram.enable();
  const started = performance.now();
  try {
    for (let step = 0; step < frames; step += 1) {
      await ingestor.ingest('fields', { step, time: step, columns });
    }
    await ingestor.flush();
  } finally {
    histogram.disable();
    clearInterval(interval);
  }
  const seconds = (performance.now() - started) / 1000;
  const stats = ingestor.stats();
  const ms = (ns: number) => (ns / 1e6).toFixed(2);
  t.diagnostic(
    `event-loop delay during ${frames} x 3 MiB frames in ${seconds.toFixed(2)} s ` +
      `(${((frames * 3) / seconds).toFixed(0)} MiB/s): p50 ${ms(histogram.percentile(50))} ms, ` +
      `p99 ${ms(histogram.percentile(99))} ms, max ${ms(histogram.max)} ms; 5 ms timer fired ${ticks} times`,
  );
  assert.equal(stats.framesCommitted, frames);
  // Generous: a blocked event loop would show a delay of the whole run.
  assert.ok(histogram.max < 250e6, `event-loop delay max ${ms(histogram.max)} ms`);
  assert.ok(ticks >= (seconds * 1000) / 5 / 4, `5 ms timer fired only ${ticks} times in ${seconds} s`);
});
