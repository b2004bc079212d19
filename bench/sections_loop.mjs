// Issue 15 goal 3: small frames inside a real solver loop. Each host steps a
// two-link arm (semi-implicit Euler, a few µs) between frames of eight
// float64 diagnostics built per step as users write them (C++: a struct and
// a simingest_column[]; Python: a fresh dict of floats; Node: a fresh object
// literal to tryIngest()), timing only the ingest call. Each host's dataset
// is read back with pyarrow and compared bit for bit with the values the host
// wrote aside (bench/python/bench_loop.py verify) before its figure counts.
// The load average is printed beside the figures: p99 in particular moves
// with whatever else the machine runs.
import { rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const us = (ns) => `${(ns / 1e3).toFixed(2)} µs`;

export function loopSection(ctx, options, nodeOk) {
  // Built here, not in run.mjs's target list, to keep the hook there one line.
  if (!options.skipBuild) ctx.run('cmake', ['--build', ctx.buildDir, '-j', process.env.SIMINGEST_BUILD_JOBS ?? '2', '--target', 'loop_bench']);
  const script = path.join(ctx.benchDir, 'python', 'bench_loop.py');
  const env = { SIMINGEST_LIBRARY: path.join(ctx.buildDir, 'libsimingest.so') };
  const frames = options.quick ? 50_000 : 200_000;
  const hosts = [
    ['cpp', 1000, (out) => ctx.runJson(path.join(ctx.buildDir, 'bench', 'loop_bench'), [out, String(frames)])],
    ['python', 3000, (out) => ctx.runJson(ctx.python, [script, 'run', out, String(frames)], { env })],
    ...(nodeOk ? [['node', 3000, (out) => ctx.runJson(process.execPath, [path.join(ctx.benchDir, 'node', 'bench_loop.mjs'), out, String(frames)])]] : []),
  ];
  const result = {};
  const targets = [];
  for (const [host, p50Target, run] of hosts) {
    const out = path.join(ctx.outRoot, `loop-${host}`);
    const clean = () => {
      rmSync(out, { recursive: true, force: true });
      rmSync(`${out}.expected.f64`, { force: true });
    };
    clean();
    try {
      const load = os.loadavg()[0];
      const r = run(out);
      r.verify = ctx.runJson(ctx.python, [script, 'verify', out, String(frames)], { env });
      r.loadAverage = load;
      result[host] = r;
      const { p50, p99, max } = r.ingestNs;
      console.log(`   ${host.padEnd(6)} ingest p50 ${us(p50)}, p99 ${us(p99)}, max ${us(max)}; solver step p50 ${us(r.solverNs.p50)} ` +
                  `(${frames} frames, verified; load ${load.toFixed(1)})`);
      if (host === 'python') {
        // CPU of the calling thread per ingest(), back to back: what the binding costs
        // without the preemption that the wall-clock percentiles above include.
        rmSync(`${out}-cpu`, { recursive: true, force: true });
        r.cpu = ctx.runJson(ctx.python, [path.join(ctx.benchDir, 'python', 'bench_ingest_cpu.py'), `${out}-cpu`, String(frames / 2)], { env });
        rmSync(`${out}-cpu`, { recursive: true, force: true });
        console.log(`   ${host.padEnd(6)} CPU per ingest() back to back ${us(r.cpu.cpuPerCallNs)} (time.thread_time_ns, dict building excluded)`);
      }
      targets.push({ goal: 3, host, target: `issue 15 goal 3: host cost per small frame in a solver loop, p50 ≤ ${p50Target / 1e3} µs from ${host}`,
                     measured: `${us(p50)} (solver step ${us(r.solverNs.p50)}, load ${load.toFixed(1)})`, met: p50 <= p50Target });
      targets.push({ goal: 3, host, target: `issue 15 goal 3: p99 ≤ 10 × p50 in a solver loop from ${host}`,
                     measured: `p99 ${us(p99)} = ${(p99 / p50).toFixed(1)} × p50`, met: p99 <= 10 * p50 });
    } finally {
      if (!options.keepOutput) clean();
    }
  }
  return { result, targets };
}
