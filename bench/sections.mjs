// The sections of `npm run bench` for issues 13, 14 and 16, each beside the
// tool a user would otherwise pick. bench/run.mjs passes its own helpers in
// `ctx` ({ run, runJson (echo: print the lines before the JSON), writeSpec, python,
// root, benchDir, buildDir, outRoot, manifest, simingestConfig }); each
// section returns { result, targets }: `result` goes in the report JSON,
// `targets` are { target, measured, met } lines printed with the others.
// Numbers are reported, never asserted.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

const k = (v) => `${(v / 1e3).toFixed(0)} k`;

// ---- issue 13: the realtime log --------------------------------------------
// realtime_log_bench prints text lines (it is also run by hand); they are
// parsed here rather than given a second output format.
function parseRealtimeLog(text) {
  const out = { acknowledged: [] };
  for (const line of text.split('\n')) {
    let m;
    if ((m = /^engine\s+(\d+)/.exec(line))) out.engineFramesPerSecond = Number(m[1]);
    else if ((m = /^ack-after-fsync,\s*(\d+) hosts\s+(\d+)/.exec(line))) out.acknowledged.push({ hosts: Number(m[1]), framesPerSecond: Number(m[2]) });
    else if ((m = /^encoder\s+(\d+)/.exec(line))) out.encoderFramesPerSecond = Number(m[1]);
    else if ((m = /^avro-c\s+(\d+)/.exec(line))) out.avroCFramesPerSecond = Number(m[1]);
  }
  if (!out.engineFramesPerSecond) throw new Error(`realtime_log_bench: no engine line in\n${text}`);
  return out;
}

export function realtimeSection(ctx, options) {
  const scratch = path.join(ctx.outRoot, 'realtime');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const frames = String(options.realtimeFrames);
  try {
    const text = ctx.run(path.join(ctx.buildDir, 'bench', 'realtime_log_bench'), [scratch, frames, '4096'],
                         { capture: true, timeoutSeconds: 1800 });
    console.log(text.trimEnd().replace(/^/gm, '   '));
    const result = parseRealtimeLog(text);
    // The contenders take schema and codec from the log the engine's encoder
    // wrote, so all write the same Avro type, blocks of ~4096 records.
    const log = path.join(scratch, 'files', 'encoder.avro');
    result.fastavro = ctx.runJson(ctx.python, [path.join(ctx.benchDir, 'python', 'bench_avro_fastavro.py'), log,
                                               path.join(scratch, 'fastavro.avro'), '--frames', frames], { timeoutSeconds: 1800 });
    result.avsc = ctx.runJson(process.execPath, [path.join(ctx.benchDir, 'node', 'avro_avsc.mjs'), log,
                                                 path.join(scratch, 'avsc.avro'), '--frames', frames], { timeoutSeconds: 1800 });
    const engine = result.engineFramesPerSecond;
    for (const name of ['fastavro', 'avsc']) {
      console.log(`   ${name.padEnd(8)} ${k(result[name].framesPerSecond).padStart(8)} frames/s: simingest ${(engine / result[name].framesPerSecond).toFixed(1)}× it`);
    }
    const acked = Math.max(0, ...result.acknowledged.map((a) => a.framesPerSecond));
    const targets = [
      { target: 'issue 13: realtime log ≥ 500 k one-row frames/s from C++', measured: `${k(engine)} frames/s`, met: engine >= 500e3 },
      { target: 'issue 13: ack-after-fsync with group commit ≥ 50 k acknowledged frames/s',
        measured: `${k(acked)} frames/s (best of ${result.acknowledged.map((a) => a.hosts).join('/')} hosts)`, met: acked >= 50e3 },
      ...['fastavro', 'avsc'].map((name) => {
        const ratio = engine / result[name].framesPerSecond;
        return { target: `issue 13: realtime log ≥ 5× ${name} (codec ${result[name].codec})`,
                 measured: `${ratio.toFixed(1)}× (${k(engine)} vs ${k(result[name].framesPerSecond)} frames/s)`, met: ratio >= 5 };
      }),
    ];
    return { result, targets };
  } finally {
    if (!options.keepOutput) rmSync(scratch, { recursive: true, force: true });
  }
}

// ---- issue 13: another process tailing the realtime log -------------------
// tail_latency_bench: a writer process ingests one-row frames at a fixed
// rate with syncEveryMs 5; the reader (simingest_dataset_subscribe) takes
// receive time minus the CLOCK_MONOTONIC stamp in each frame. Once with
// inotify, once with the polling fallback (SIMINGEST_TAIL_POLL_MS=2).
export function tailSection(ctx, options) {
  const bench = path.join(ctx.buildDir, 'bench', 'tail_latency_bench');
  const frames = String(options.tailFrames);
  const result = {};
  for (const [name, env] of [['inotify', {}], ['poll2ms', { SIMINGEST_TAIL_POLL_MS: '2' }]]) {
    const scratch = path.join(ctx.outRoot, `tail-${name}`);
    rmSync(scratch, { recursive: true, force: true });
    try {
      result[name] = ctx.runJson(bench, [scratch, frames, '500'], { env, timeoutSeconds: 600 });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const r = result[name];
    console.log(`   ${name.padEnd(8)} p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  max ${r.maxMs.toFixed(2)} ms (${r.frames} frames at ${r.rateHz}/s)`);
  }
  const targets = [
    { target: 'issue 13: another process tailing the log: p99 ≤ 20 ms (syncEveryMs 5)',
      measured: `p99 ${result.inotify.p99Ms.toFixed(2)} ms, p50 ${result.inotify.p50Ms.toFixed(2)} ms (inotify); p99 ${result.poll2ms.p99Ms.toFixed(2)} ms polling`,
      met: result.inotify.p99Ms <= 20 },
  ];
  return { result, targets };
}

// ---- issue 16: quantised columns -------------------------------------------
export function quantizeSection(ctx, options) {
  const json = path.join(ctx.outRoot, 'quantize.json');
  ctx.run(ctx.python, [path.join(ctx.benchDir, 'python', 'bench_quantize.py'), '--frames', String(options.quantizeFrames), '--json', json],
          { env: { SIMINGEST_LIBRARY: path.join(ctx.buildDir, 'libsimingest.so') }, timeoutSeconds: 3600 });
  const result = JSON.parse(readFileSync(json, 'utf8'));
  const targets = [];
  for (const caseName of [...new Set(result.rows.map((r) => r.case))]) {
    const rows = result.rows.filter((r) => r.case === caseName && r.writer === 'simingest');
    const lossless = rows.find((r) => r.setting === 'lossless');
    for (const r of rows.filter((row) => row.ofZfp !== undefined)) {
      targets.push({ target: `issue 16: ${caseName} ${r.setting}: ratio ≥ 80 % of zfp's at the same max error`,
                     measured: `${(100 * r.ofZfp).toFixed(0)} %`, met: r.ofZfp >= 0.8 });
      if (lossless) {
        targets.push({ target: `issue 16: ${caseName} ${r.setting}: throughput ≥ the lossless path`,
                       measured: `${r.MBps.toFixed(0)} vs ${lossless.MBps.toFixed(0)} MB/s`, met: r.MBps >= lossless.MBps });
      }
    }
  }
  return { result, targets };
}

// ---- issue 14: the service -------------------------------------------------
export function serveSection(ctx, options) {
  const json = path.join(ctx.outRoot, 'serve.json');
  ctx.run(process.execPath, [path.join(ctx.benchDir, 'node', 'serve_throughput.mjs'), '--frames', String(options.serveFrames), '--json', json],
          { timeoutSeconds: 1800 });
  const result = JSON.parse(readFileSync(json, 'utf8'));
  const { inProcess, grpc, rest_arrow: rest } = result.seconds;
  // Shares of throughput: the same frames, so the inverse ratio of the times.
  const targets = [
    { target: 'issue 14: gRPC StreamData ≥ 60 % of in-process Node', measured: `${(100 * inProcess / grpc).toFixed(0)} %`, met: inProcess / grpc >= 0.6 },
    { target: 'issue 14: REST Arrow IPC bodies ≥ 40 % of in-process Node', measured: `${(100 * inProcess / rest).toFixed(0)} %`, met: inProcess / rest >= 0.4 },
  ];
  return { result, targets };
}

// ---- issue 12: the goal lines of bench/python/bench_query.py's JSON -------
// That script prints its own table of times; these are its goals as targets.
export function queryTargets(query) {
  const targets = [];
  const sim = 'simingest on simingest';
  const goals = [['one_step', 'one step, all columns', 10], ['range50', '50-step time range, one column', 3]];
  for (const [kind, label, factor] of goals) {
    const medians = query.cases[kind]?.medianSeconds;
    if (!medians) continue;
    for (const reader of ['duckdb', 'pyarrow']) {
      const ratio = medians[`${reader} on simingest`] / medians[sim];
      targets.push({ target: `issue 12: ${label}: query ≥ ${factor}× ${reader}`, measured: `${ratio.toFixed(2)}×`, met: ratio >= factor });
    }
  }
  const scan = query.cases.scan?.mbPerSecond;
  if (scan) {
    targets.push({ target: 'issue 12: full scan of one column ≥ pyarrow to_table MB/s',
                   measured: `${scan[sim].toFixed(0)} vs ${scan['pyarrow on simingest'].toFixed(0)} MB/s`, met: scan[sim] >= scan['pyarrow on simingest'] });
  }
  const inflight = query.cases.inflight?.medianMBPerSecond;
  if (inflight !== undefined) {
    targets.push({ target: 'issue 12: in-flight frames ≥ 2 GB/s', measured: `${inflight.toFixed(0)} MB/s`, met: inflight >= 2000 });
  }
  // The page index should make external readers faster on simingest's files
  // than on pyarrow's defaults: a lower time on every case.
  for (const kind of ['one_step', 'range50', 'scan']) {
    const medians = query.cases[kind]?.medianSeconds;
    if (!medians) continue;
    for (const reader of ['duckdb', 'pyarrow']) {
      const ours = medians[`${reader} on simingest`];
      const theirs = medians[`${reader} on pyarrow_default`];
      targets.push({ target: `issue 12: ${kind}: ${reader} faster on simingest files than on pyarrow-default files`,
                     measured: `${(ours * 1e3).toFixed(1)} vs ${(theirs * 1e3).toFixed(1)} ms`, met: ours < theirs });
    }
  }
  return targets;
}
