// Two more sections of `npm run bench` for issue 13, in the form of
// bench/sections.mjs ({ result, targets } from (ctx, options)):
//   - in-process subscriber latency at a paced rate, from C++
//     (bench/subscribe_latency_bench.cpp) and from Node (bench/node/subscribe_latency.mjs,
//     skipped with --no-node or when the package does not load);
//   - what routing the TGV 2D stream "both" with realtime.everySteps 10
//     costs against "batch" (bench/cpp/bench_ingest.cpp routecost).
// Numbers are reported, never asserted.
import { rmSync } from 'node:fs';
import * as path from 'node:path';

export const LATENCY_RATE = 100_000; // frames/s, issue 13's figure

export function subscribeLatencySection(ctx, options) {
  const scratch = path.join(ctx.outRoot, 'subscribe-latency');
  rmSync(scratch, { recursive: true, force: true });
  try {
    const result = ctx.runJson(path.join(ctx.buildDir, 'bench', 'subscribe_latency_bench'),
                               [scratch, String(options.latencyFrames), String(LATENCY_RATE)],
                               { echo: true, timeoutSeconds: 600 });
    const at = `one-row frames at ${(result.achievedFramesPerSecond / 1e3).toFixed(0)} k/s achieved`;
    const targets = [
      { target: 'issue 13: ingest() return -> in-process subscriber p50 ≤ 50 µs at 100 k frames/s',
        measured: `${result.p50Us.toFixed(1)} µs (${at}; ${result.beforeReturn} frames reached it before ingest() returned; ` +
                  `from the call p50 ${result.fromCallP50Us.toFixed(1)} µs)`, met: result.p50Us <= 50 },
      { target: 'issue 13: ingest() return -> in-process subscriber p99 ≤ 1 ms at 100 k frames/s',
        measured: `${result.p99Us.toFixed(1)} µs, max ${result.maxUs.toFixed(0)} µs, ${result.missing} not received`,
        met: result.p99Us <= 1000 && result.missing === 0 },
    ];
    if (!options.noNode) {
      try {
        const node = ctx.runJson(process.execPath, [path.join(ctx.benchDir, 'node', 'subscribe_latency.mjs'), ctx.outRoot,
                                                    String(Math.min(options.latencyFrames, 200_000)), String(LATENCY_RATE)],
                                 { timeoutSeconds: 600 });
        result.node = node;
        const line = `${(node.achievedFramesPerSecond / 1e3).toFixed(0)} k/s achieved, ${node.missing} not received`;
        console.log(`   Node: p50 ${node.p50Us.toFixed(1)} µs, p99 ${node.p99Us.toFixed(1)} µs, max ${node.maxUs.toFixed(0)} µs (${line})`);
        targets.push({ target: 'issue 13: the same from Node (tryIngest() return -> for await body), p50 ≤ 50 µs',
                       measured: `${node.p50Us.toFixed(1)} µs (${line})`, met: node.p50Us <= 50 });
        targets.push({ target: 'issue 13: the same from Node, p99 ≤ 1 ms',
                       measured: `${node.p99Us.toFixed(1)} µs`, met: node.p99Us <= 1000 && node.missing === 0 });
      } catch (error) {
        result.node = { failed: error.message };
      }
    }
    return { result, targets };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function routeCostSection(ctx, options) {
  const c = ctx.manifest.cases.tgv2d;
  const out = path.join(ctx.outRoot, 'routecost-cpp');
  const spec = { ...c, stream: 'fields', out, everySteps: 10, repeat: options.routeCostRepeat,
                 config: ctx.simingestConfig(c, options) };
  const specFile = ctx.writeSpec('routecost-cpp', spec);
  try {
    const result = ctx.runJson(path.join(ctx.buildDir, 'bench', 'bench_ingest'), ['routecost', specFile],
                               { timeoutSeconds: 3600 });
    const fmt = (v) => v.map((x) => x.toFixed(0)).join('/');
    console.log(`   batch ${result.batchMBps.toFixed(0)} MB/s (${fmt(result.batchSamples)}), ` +
                `both+everySteps 10 ${result.bothMBps.toFixed(0)} MB/s (${fmt(result.bothSamples)}), ` +
                `cost ${result.costPercent.toFixed(1)} % (medians of ${result.repeat} alternating runs each)`);
    const targets = [
      { target: 'issue 13: route "both" with everySteps 10 costs TGV 2D ≤ 5 % throughput',
        measured: `${result.costPercent.toFixed(1)} % (${result.bothMBps.toFixed(0)} vs ${result.batchMBps.toFixed(0)} MB/s)`,
        met: result.costPercent <= 5 },
    ];
    return { result, targets };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
