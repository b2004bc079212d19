// Micro-benchmarks of the Node API with tinybench, part of `npm run bench` when
// the Node package builds: ingest() of a small frame (one row, eight float64
// scalars), ingest() of a 1 MiB frame (one float32 column), and stats().
//
// Usage: node bench/node/micro.mjs OUT_DIR [--time MS]; prints one JSON object
// (ops/s and latency per task). An ingest here includes waiting for room when
// the budget is full, as a caller would: the 1 MiB case is bounded by the
// engine's throughput, not only by the call.
import { mkdtempSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { Bench } from 'tinybench';
import { Ingestor } from 'simingest';

const outRoot = process.argv[2];
const timeArg = process.argv.indexOf('--time');
const time = timeArg > 0 ? Number(process.argv[timeArg + 1]) : 1000;
const dir = mkdtempSync(path.join(outRoot, 'micro-'));

const scalars = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const ingestor = await Ingestor.open(path.join(dir, 'ds'), {
  streams: {
    small: { columns: Object.fromEntries(scalars.map((name) => [name, 'float64'])) },
    big: { columns: { values: 'float32' } },
  },
  compression: { codec: 'zstd', level: 1 },
  memoryLimit: 512 * 2 ** 20,
  backpressure: 'block',
});

const big = new Float32Array((1 << 20) / 4);
for (let i = 0; i < big.length; i++) big[i] = Math.sin(i * 1e-3) + 1e-3 * Math.cos(i * 0.37);
const smallColumns = Object.fromEntries(scalars.map((name, k) => [name, k + 0.5]));
let smallStep = 0;
let bigStep = 0;

const bench = new Bench({ time, warmupTime: 200 });
bench
  .add('ingest small frame (1 row, 8 x f64)', async () => {
    await ingestor.ingest('small', { step: smallStep, time: smallStep, columns: smallColumns });
    smallStep++;
  })
  .add('ingest 1 MiB frame (f32)', async () => {
    await ingestor.ingest('big', { step: bigStep, time: bigStep, columns: { values: big } });
    bigStep++;
  })
  .add('stats()', () => {
    ingestor.stats();
  });
await bench.run();
await ingestor.close();
rmSync(dir, { recursive: true, force: true });

const tasks = bench.tasks.map((task) => {
  const r = task.result;
  if (!r || !r.latency) return { name: task.name, state: r?.state ?? 'not run', error: String(r?.error ?? '') };
  return {
    name: task.name,
    // runs / total time: the rate a loop of these calls sustains (tinybench's
    // throughput.mean averages instantaneous rates, which fast outliers inflate).
    opsPerSecond: 1000 / r.period,
    latencyMeanUs: r.latency.mean * 1e3,
    latencyP50Us: r.latency.p50 * 1e3,
    latencyP99Us: r.latency.p99 * 1e3,
    samples: r.latency.samplesCount ?? undefined,
  };
});
console.log(JSON.stringify({ host: 'node', mode: 'micro', tasks }));
