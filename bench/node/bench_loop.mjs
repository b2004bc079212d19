// Small frames inside a real solver loop from Node (issue 15 goal 3): the two-
// link arm of bench/loop_bench.cpp (semi-implicit Euler) in JavaScript, then
// tryIngest() with a fresh object literal of eight numbers per step, as users
// write it; only the tryIngest() call is timed (process.hrtime.bigint around
// it). After the run (untimed) the values go to OUT_DIR.expected.f64 (frames x
// [time, 8 values], float64) for bench/python/bench_loop.py verify (pyarrow).
//
// Usage: node bench/node/bench_loop.mjs OUT_DIR FRAMES [SUBSTEPS]  -> one JSON line.
//   SUBSTEPS defaults to 48 (a few µs); 0 runs the frames back to back.
import { writeFileSync } from 'node:fs';
import { Ingestor } from 'simingest';

const [out, count, substepArg] = process.argv.slice(2);
const frames = Number(count);
const substeps = substepArg === undefined ? 48 : Number(substepArg);
const NAMES = ['q1', 'q2', 'w1', 'w2', 'tip_x', 'tip_y', 'energy', 'torque'];
const DT = 1e-4, G = 9.81, L1 = 1.0, L2 = 0.8, M1 = 1.5, M2 = 1.0;

function percentiles(samples) {
  samples.sort((a, b) => a - b);
  const n = samples.length;
  const mean = samples.reduce((a, b) => a + b, 0) / n;
  return { p50: samples[Math.floor(0.5 * (n - 1))], p99: samples[Math.floor(0.99 * (n - 1))], max: samples[n - 1], mean };
}

const columns = Object.fromEntries(NAMES.map((name) => [name, 'float64']));
const start = performance.now();
const ing = await Ingestor.open(out, { streams: { joints: { columns } } });
const ingestNs = new Float64Array(frames);
const solverNs = new Float64Array(frames);
const expected = new Float64Array(frames * 9);
let q1 = 1.2, q2 = -0.4, w1 = 0.0, w2 = 0.0;
for (let s = 0; s < frames; ++s) {
  const t0 = process.hrtime.bigint();
  let torque = 0.0;
  for (let i = 0; i < substeps; ++i) {
    torque = -2.0 * (q1 - 0.5) - 0.3 * w1;
    const d = q1 - q2, sd = Math.sin(d), cd = Math.cos(d);
    const den = 2 * M1 + M2 - M2 * Math.cos(2 * d);
    const a1 = (-G * (2 * M1 + M2) * Math.sin(q1) - M2 * G * Math.sin(q1 - 2 * q2) -
                2 * sd * M2 * (w2 * w2 * L2 + w1 * w1 * L1 * cd) + torque / L1) / (L1 * den);
    const a2 = (2 * sd * (w1 * w1 * L1 * (M1 + M2) + G * (M1 + M2) * Math.cos(q1) + w2 * w2 * L2 * M2 * cd)) / (L2 * den);
    w1 += DT * a1;
    w2 += DT * a2;
    q1 += DT * w1;
    q2 += DT * w2;
  }
  const tipX = L1 * Math.sin(q1) + L2 * Math.sin(q2);
  const tipY = -L1 * Math.cos(q1) - L2 * Math.cos(q2);
  const energy = 0.5 * (M1 + M2) * (L1 * w1) ** 2 + G * (M1 + M2) * (-L1 * Math.cos(q1)) - M2 * G * L2 * Math.cos(q2);
  const time = s * DT * Math.max(substeps, 1);
  const t1 = process.hrtime.bigint();
  const taken = ing.tryIngest('joints', { step: s, time, columns: { q1, q2, w1, w2, tip_x: tipX, tip_y: tipY, energy, torque } });
  const t2 = process.hrtime.bigint();
  if (!taken) throw new Error(`bench_loop: frame ${s} would block (the memory budget is full)`);
  solverNs[s] = Number(t1 - t0);
  ingestNs[s] = Number(t2 - t1);
  expected.set([time, q1, q2, w1, w2, tipX, tipY, energy, torque], 9 * s);
}
const loopSeconds = (performance.now() - start) / 1e3;
await ing.close();
const totalSeconds = (performance.now() - start) / 1e3;
writeFileSync(`${out}.expected.f64`, new Uint8Array(expected.buffer));
console.log(JSON.stringify({ host: 'node', frames, substeps, ingestNs: percentiles(Array.from(ingestNs)),
                             solverNs: percentiles(Array.from(solverNs)), loopSeconds, totalSeconds }));
