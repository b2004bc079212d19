// In-process subscriber latency from Node (issue 13; the C++ figure is
// bench/subscribe_latency_bench.cpp): tryIngest() of one-row frames of a
// realtime stream at a paced rate, and a `for await` over ing.subscribe() on
// the same JavaScript thread. Latency = the loop body's receipt - tryIngest()
// returning (performance.now(), stored in preallocated arrays by step).
// One thread does both, so a frame also waits for the producer to yield: it
// does whenever it is ahead of schedule, and at least every 64 frames. The
// first 10 % of the frames (at most 10 000) are left out.
//
// Usage: node bench/node/subscribe_latency.mjs OUT_DIR [frames] [frames per second];
// prints one JSON object.
import { mkdtempSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { Ingestor } from 'simingest';

const [outRoot, framesArg, rateArg] = process.argv.slice(2);
const frames = Number(framesArg ?? 200_000);
const rate = Number(rateArg ?? 100_000);
const warmup = Math.min(10_000, Math.floor(frames / 10));
const dir = mkdtempSync(path.join(outRoot, 'subscribe-latency-node-'));

const ing = await Ingestor.open(path.join(dir, 'ds'), {
  workers: 1,
  streams: { diag: { columns: { e: 'float64', n: 'int32' }, route: 'realtime', realtime: { codec: 'null' } } },
});
const returned = new Float64Array(frames);
const received = new Float64Array(frames); // 0: not received
let droppedBefore = 0;
const consumer = (async () => {
  for await (const frame of ing.subscribe('diag')) {
    received[frame.step] = performance.now();
    droppedBefore += frame.droppedBefore;
  }
})();

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));
const periodMs = 1000 / rate;
const start = performance.now();
let refused = 0;
for (let step = 0; step < frames; step++) {
  while (performance.now() < start + step * periodMs) await yieldToLoop();
  if (!ing.tryIngest('diag', { step, time: step, columns: { e: step * 0.5, n: step } })) refused++;
  returned[step] = performance.now();
  if ((step & 63) === 63) await yieldToLoop();
}
const achieved = (frames * 1000) / (performance.now() - start);
await ing.close(); // delivers what was queued, then ends the loop
await consumer;
rmSync(dir, { recursive: true, force: true });

const latencyUs = [];
let missing = 0;
for (let step = warmup; step < frames; step++) {
  if (received[step] === 0) missing++;
  else latencyUs.push(Math.max(0, received[step] - returned[step]) * 1000);
}
latencyUs.sort((a, b) => a - b);
const at = (p) => (latencyUs.length ? latencyUs[Math.min(latencyUs.length - 1, Math.floor(p * latencyUs.length))] : 0);
console.log(JSON.stringify({
  frames, warmup, requestedFramesPerSecond: rate, achievedFramesPerSecond: achieved, refused,
  p50Us: at(0.5), p99Us: at(0.99), p999Us: at(0.999), maxUs: latencyUs.at(-1) ?? 0, missing, droppedBefore,
}));
