// `npm run bench`: simingest against pyarrow's ParquetWriter, and the host
// costs issue 5 sets targets for, in one run on this machine.
//
//   1. builds libsimingest and bench_ingest in Release (build-bench/), and
//      measures what first-touching fresh memory costs here
//      (bench/machine_probe.mjs; printed first, and again at the end);
//   2. generates the frames once (bench/python/frames.py -> bench/.data/);
//   3. writes every large-frame case (tgv2d, noisy, tgv3d) with pyarrow, C++,
//      Python and Node, each in its own process, simingest with its DEFAULT
//      configuration plus one C++ "tuned" line, repetitions alternated
//      (bench/sections_throughput.mjs), and reads every output back
//      (bench/python/verify.py: bit-identical or the run fails);
//   4. small frames/s, the host thread's ingest() vs memcpy, the demo solver's
//      slowdown, Node micro-benchmarks (tinybench), optionally --long (peak RSS
//      over 10 GB);
//   5. queries (bench/python/bench_query.py): simingest vs DuckDB and
//      pyarrow.dataset on a 1000-step TGV 2D dataset, and in-flight frames;
//   6. the realtime log (issue 13): bench/realtime_log_bench.cpp (engine,
//      ack-after-fsync, its encoder alone, avro-c) beside fastavro's writer
//      and avsc's file encoder on the same records;
//   7. quantised columns against zfp and pyarrow lossless (issue 16,
//      bench/python/bench_quantize.py);
//   8. `simingest serve`: gRPC StreamData and REST Arrow IPC bodies against
//      in-process ingest (issue 14, bench/node/serve_throughput.mjs);
//      in-process subscriber latency at 100 k one-row frames/s and the cost
//      of route "both" on TGV 2D (issue 13, bench/sections_subscribe.mjs);
//   9. prints the table, the targets, the "issue 15 goals" table grouped by
//      goal and host (bench/goals.mjs), and writes bench/results/local/latest.json plus a
//      timestamped copy (ignored by git); with --reference, on a clean tree
//      only, bench/results/reference/<time>-<commit>.json to be committed
//      (bench/results_store.mjs).
//
// Numbers are reported, never asserted: a benchmark is not a test. The run
// fails only when a contender fails or an output differs from its frames.
//
// Flags (npm run bench -- --flag): --quick, --long, --long-gb N, --skip-build,
// --no-node, --no-query, --query-steps N (the read-side dataset, default 1000),
// --no-realtime (also skips the tail latency), --realtime-frames N, --tail-frames N, --no-quantize, --quantize-frames N,
// --no-serve, --serve-frames N, --no-latency, --latency-frames N, --no-route-cost,
// --route-cost-repeat N (alternating batch/both runs each), --no-appender, --appender-rows N (C++),
// --appender-rows-bindings N (Python, Node), --frames2d N,
// --frames3d N, --small-frames N, --small-frames-bindings N, --slowdown-steps N, --slowdown-grid N,
// --memory-limit-mib N, --workers N (both for the "cpp tuned" line and the other
// sections), --repeat N (alternated large-frame runs per contender, min / median /
// max reported; default 5, 2 with --quick), --keep-output, --reference, --help.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantizeSection, queryTargets, realtimeSection, serveSection, tailSection } from './sections.mjs';
import { routeCostSection, subscribeLatencySection } from './sections_subscribe.mjs';
import { appenderSection } from './sections_appender.mjs';
import { nodeLoopSection } from './sections_nodeloop.mjs';
import { loopSection } from './sections_loop.mjs';
import { commitPathSection } from './sections_commitpath.mjs';
import { referenceCommit, saveReport } from './results_store.mjs';
import { throughputSection } from './sections_throughput.mjs';
import { goalTable, hygieneTarget } from './goals.mjs';
import { describeFirstTouch, firstTouch } from './machine_probe.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const dataDir = path.join(benchDir, '.data');
const outRoot = path.join(dataDir, 'out');
const buildDir = path.join(root, 'build-bench');
const python = process.env.PYTHON ?? 'python3';
const MiB = 2 ** 20;

// ---- options ----------------------------------------------------------------
function parseOptions(argv) {
  const flags = new Set();
  const values = {};
  const numeric = ['frames2d', 'frames3d', 'small-frames', 'small-frames-bindings', 'slowdown-steps',
                   'slowdown-grid', 'memory-limit-mib', 'workers', 'long-gb', 'repeat', 'query-steps',
                   'realtime-frames', 'quantize-frames', 'serve-frames', 'latency-frames', 'route-cost-repeat',
                   'tail-frames', 'appender-rows', 'appender-rows-bindings'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [key, inline] = arg.startsWith('--') ? arg.slice(2).split('=', 2) : [arg];
    if (key === 'help' || key === 'h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).join('\n'));
      process.exit(0);
    }
    if (['quick', 'long', 'skip-build', 'no-node', 'no-query', 'no-realtime', 'no-quantize', 'no-serve',
         'keep-output', 'no-latency', 'no-route-cost', 'reference', 'no-appender'].includes(key)) flags.add(key);
    else if (numeric.includes(key)) values[key] = Number(inline ?? argv[++i]);
    else throw new Error(`bench: unknown option ${arg} (--help lists them)`);
  }
  const quick = flags.has('quick');
  const option = (key, normal, short) => {
    const value = values[key] ?? (quick ? short : normal);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`bench: --${key} needs a positive number`);
    return value;
  };
  return {
    quick,
    long: flags.has('long'),
    skipBuild: flags.has('skip-build'),
    noNode: flags.has('no-node'),
    noQuery: flags.has('no-query'),
    noRealtime: flags.has('no-realtime'),
    noQuantize: flags.has('no-quantize'),
    noServe: flags.has('no-serve'),
    noLatency: flags.has('no-latency'),
    noRouteCost: flags.has('no-route-cost'),
    noAppender: flags.has('no-appender'),
    keepOutput: flags.has('keep-output'),
    reference: flags.has('reference'),
    frames2d: option('frames2d', 240, 40),
    frames3d: option('frames3d', 24, 4),
    smallFrames: option('small-frames', 1_000_000, 200_000),
    smallFramesBindings: option('small-frames-bindings', 200_000, 50_000),
    slowdownSteps: option('slowdown-steps', 60, 10),
    slowdownGrid: option('slowdown-grid', 256, 256),
    memoryLimitMiB: option('memory-limit-mib', 512, 512),
    workers: option('workers', os.cpus().length, os.cpus().length),
    longGB: option('long-gb', 10, 10),
    repeat: option('repeat', 5, 2),
    querySteps: option('query-steps', 1000, 200),
    realtimeFrames: option('realtime-frames', 2_000_000, 200_000),
    quantizeFrames: option('quantize-frames', 20, 5),
    serveFrames: option('serve-frames', 200, 50),
    latencyFrames: option('latency-frames', 1_000_000, 200_000),
    routeCostRepeat: option('route-cost-repeat', 5, 2),
    tailFrames: option('tail-frames', 5000, 1000),
    appenderRows: option('appender-rows', 10_000_000, 2_000_000),
    appenderRowsBindings: option('appender-rows-bindings', 2_000_000, 500_000),
  };
}

// ---- processes ----------------------------------------------------------------
function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: root, stdio: ['ignore', options.capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8', maxBuffer: 64 * MiB, timeout: (options.timeoutSeconds ?? 600) * 1000, killSignal: 'SIGKILL',
    env: { ...process.env, ...(options.env ?? {}) },
  });
  if (result.error) throw new Error(`cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
  return result.stdout;
}

// Runs a contender process and parses the JSON object of its last stdout line;
// with `echo`, the lines before it are printed, indented under the section title.
function runJson(command, args, options = {}) {
  const stdout = run(command, args, { ...options, capture: true });
  const lines = stdout.trim().split('\n');
  if (options.echo && lines.length > 1) console.log(lines.slice(0, -1).join('\n').replace(/^/gm, '   '));
  return JSON.parse(lines[lines.length - 1]);
}

function writeSpec(name, spec) {
  const file = path.join(outRoot, `${name}.spec.json`);
  writeFileSync(file, JSON.stringify(spec, null, 1));
  return file;
}

function parquetBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += parquetBytes(full);
    else if (entry.name.endsWith('.parquet')) total += statSync(full).size;
  }
  return total;
}

// ---- steps ----------------------------------------------------------------
function build(options) {
  if (options.skipBuild) return;
  console.log('== build (Release, build-bench/)');
  // Configured every time, so a build-bench/ made before SIMINGEST_BUILD_BENCH existed gets it.
  run('cmake', ['-S', '.', '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', '-DSIMINGEST_BUILD_TESTS=OFF',
    '-DSIMINGEST_BUILD_BENCH=ON']);
  const targets = ['simingest', 'bench_ingest', ...(options.noRealtime ? [] : ['realtime_log_bench', 'tail_latency_bench']),
                   ...(options.noLatency ? [] : ['subscribe_latency_bench']), ...(options.noAppender ? [] : ['appender_bench']),
                   'first_touch_probe'];
  run('cmake', ['--build', buildDir, '-j', process.env.SIMINGEST_BUILD_JOBS ?? '2', '--target', ...targets]);
}

function nodeAvailable(options) {
  if (options.noNode) return { ok: false, why: '--no-node' };
  const probe = "await import('simingest'); await import('simingest/demo'); await import('tinybench');";
  const attempt = () => spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8' });
  let result = attempt();
  if (result.status !== 0) {
    console.log('== the Node package does not load; trying `npm run build`');
    spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    result = attempt();
  }
  return result.status === 0 ? { ok: true } : { ok: false, why: (result.stderr || '').trim().split('\n').slice(-3).join(' ') };
}

// Row group of whole frames near 64 MiB, counted as the engine counts it
// (field bytes + 16 bytes of step and time per row): both writers then cut
// row groups at the same frames.
function rowGroupFrames(c) {
  const raw = frameBytes(c) + 16 * c.elements;
  return Math.max(1, Math.floor((64 * MiB) / raw));
}

function frameBytes(c) {
  return c.elements * c.fields.length * (c.dtype === 'float32' ? 4 : 8);
}

function simingestConfig(c, options, extra = {}) {
  const columns = Object.fromEntries(c.fields.map((name) => [name, c.dtype]));
  const stream = c.grid.length ? { columns, grid: c.grid } : { columns };
  return {
    streams: { [c.name === 'small' ? 'diagnostics' : 'fields']: stream },
    compression: { codec: 'zstd', level: 1 },
    rowGroupBytes: rowGroupFrames(c) * (frameBytes(c) + 16 * c.elements),
    pageBytes: MiB,
    memoryLimit: options.memoryLimitMiB * MiB,
    workers: options.workers,
    backpressure: 'block',
    ...extra,
  };
}

function contenderCommand(host, mode, specFile) {
  const libraryEnv = { SIMINGEST_LIBRARY: path.join(buildDir, 'libsimingest.so') };
  switch (host) {
    case 'cpp': return [path.join(buildDir, 'bench', 'bench_ingest'), [mode, specFile], {}];
    case 'python': return [python, [path.join(benchDir, 'python', 'bench_ingest.py'), mode, specFile], { env: libraryEnv }];
    case 'node': return [process.execPath, [path.join(benchDir, 'node', 'bench_ingest.mjs'), mode, specFile], {}];
    case 'pyarrow': return [python, [path.join(benchDir, 'python', 'bench_pyarrow.py'), specFile], {}];
    default: throw new Error(host);
  }
}

// One contender on one case: run, verify, measure the output, clean up.
function runContender(failures, key, host, mode, spec, options, verify = true, name = host) {
  const label = `${key} ${name}`;
  rmSync(spec.out, { recursive: true, force: true });
  const specFile = writeSpec(`${key}-${name.replace(/ /g, '-')}`, { ...spec, host });
  try {
    const [command, args, runOptions] = contenderCommand(host, mode, specFile);
    const result = runJson(command, args, runOptions);
    if (mode !== 'hostcost' && verify) {
      const verified = runJson(python, [path.join(benchDir, 'python', 'verify.py'), specFile]);
      result.verified = verified.ok === true;
      result.filesWritten = verified.files;
    }
    if (result.fieldBytes) {
      result.bytesOnDisk = parquetBytes(spec.out);
      result.mbPerSecond = result.fieldBytes / result.seconds / 1e6;
      result.compressionRatio = result.fieldBytes / result.bytesOnDisk;
    }
    console.log(`   ${label.padEnd(18)} ${summary(result)}`);
    return result;
  } catch (error) {
    console.error(`!! ${label}: ${error.message}`);
    failures.push(`${label}: ${error.message}`);
    return { host, failed: error.message };
  } finally {
    if (!options.keepOutput) rmSync(spec.out, { recursive: true, force: true });
  }
}

function summary(r) {
  if (r.mbPerSecond) return `${r.mbPerSecond.toFixed(0)} MB/s, ratio ${r.compressionRatio.toFixed(3)}, peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB${r.verified ? ', verified identical' : ''}`;
  if (r.framesPerSecond) return `${(r.framesPerSecond / 1e3).toFixed(0)} k frames/s committed (${(r.callsPerSecond / 1e3).toFixed(0)} k calls/s), verified identical`;
  if (r.ratio) return `ingest ${(r.ingestMedianNs / 1e3).toFixed(0)} us vs copy ${(r.memcpyMedianNs / 1e3).toFixed(0)} us: ${r.ratio.toFixed(2)}x`;
  return JSON.stringify(r);
}

// ---- report ----------------------------------------------------------------
function fmt(value, digits = 0) {
  return value === undefined || value === null || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

function printTable(report) {
  const lines = [];
  lines.push('| case | contender | MB/s median (min–max) | spread | × pyarrow median (min–max) | compression ratio | peak RSS MiB (input held) |');
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, byHost] of Object.entries(report.throughput)) {
    for (const host of ['pyarrow', 'cpp', 'python', 'node', 'cpp tuned']) {
      const r = byHost[host];
      if (!r) continue;
      if (r.failed) { lines.push(`| ${name} | ${host} | FAILED | | | | |`); continue; }
      const q = r.ratioToPyarrow;
      lines.push(`| ${name} | ${host} | ${fmt(r.mb.median)} (${fmt(r.mb.min)}–${fmt(r.mb.max)}) | ${fmt(r.mb.spread, 2)}× | ` +
        `${q ? `${fmt(q.median, 2)} (${fmt(q.min, 2)}–${fmt(q.max, 2)})` : '—'} | ` +
        `${fmt(r.compressionRatio, 3)} | ${fmt(r.peakRssBytes / MiB)} (${fmt(r.rssAfterLoadBytes / MiB)}) |`);
    }
  }
  return lines.join('\n');
}

function evaluateTargets(report) {
  const targets = [];
  const add = (target, measured, met, goal, host) => targets.push({ target, measured, met, goal, host });
  for (const [name, byHost] of Object.entries(report.throughput)) {
    // ≥ 5× pyarrow and the compression ratio are issue 15 goal 1's entries (bench/sections_throughput.mjs).
    const c = byHost.cpp;
    for (const host of ['python', 'node']) {
      const b = byHost[host];
      if (b?.mbPerSecond && c?.mbPerSecond) {
        const share = b.mbPerSecond / c.mbPerSecond;
        add(`${name}: ${host} ≥ 90 % of C++`, `${(share * 100).toFixed(0)} %`, share >= 0.9);
      }
    }
  }
  const hc = report.hostcost.cpp;
  if (hc?.ratio) add('C++ ingest() ≤ 1.5× memcpy (median), frames back to back', `${hc.ratio.toFixed(2)}×`, hc.ratio <= 1.5);
  const hp = report.hostcostPaced;
  if (hp?.ratio) add('C++ ingest() ≤ 1.5× memcpy (median), frames at half capacity', `${hp.ratio.toFixed(2)}×`, hp.ratio <= 1.5);
  const hn = report.hostcost.node;
  if (hn?.ratio) add('issue 15 goal 5: Node ingest() of a 3 MiB frame ≤ 1.5× memcpy (median)', `${hn.ratio.toFixed(2)}×`, hn.ratio <= 1.5, 5, 'node');
  if (hn?.loanRatio) add('issue 15 goal 5: Node loaned frame (frameBegin + fill + commit) ≤ 1.5× memcpy (median)', `${hn.loanRatio.toFixed(2)}×`, hn.loanRatio <= 1.5, 5, 'node');
  // The demo solver's slowdown (ingest() ≤ 5 %, and goal 5 with loaned frames): the nodeLoop section.
  const floors = { cpp: 1e6, node: 250e3, python: 250e3 };
  for (const [host, floor] of Object.entries(floors)) {
    const r = report.small[host];
    if (r?.framesPerSecond) add(`small frames from ${host} ≥ ${floor / 1e3} k/s`, `${(r.framesPerSecond / 1e3).toFixed(0)} k/s`, r.framesPerSecond >= floor);
    else add(`small frames from ${host} ≥ ${floor / 1e3} k/s`, 'not measured', null);
  }
  const lg = report.long;
  if (lg?.peakRssBytes) {
    const bound = lg.memoryLimit + 64 * MiB;
    add('peak RSS ≤ memoryLimit + 64 MiB over 10 GB', `${fmt(lg.peakRssBytes / MiB)} MiB vs ${fmt(bound / MiB)} MiB`, lg.peakRssBytes <= bound);
  } else {
    add('peak RSS ≤ memoryLimit + 64 MiB over 10 GB', 'not run (npm run bench -- --long)', null);
  }
  return targets;
}

function printReport(report) {
  console.log('\n== results (MB = 10^6 bytes of field data; wall time first ingest -> committed)\n');
  console.log(printTable(report));
  const lags = Object.entries(report.throughput).filter(([, byHost]) => byHost.node?.eventLoopDelayMs);
  if (lags.length > 0) {
    console.log('\nNode event-loop delay while ingesting at full speed (1 ms timer, ms late):');
    for (const [name, byHost] of lags) {
      const d = byHost.node.eventLoopDelayMs;
      console.log(`  ${name.padEnd(7)} p50 ${fmt(d.p50, 2)}, p99 ${fmt(d.p99, 2)}, max ${fmt(d.max, 2)} (${fmt(byHost.node.mbPerSecond)} MB/s)`);
    }
  }
  console.log('\nsmall frames (1 row, 8 float64 scalars):');
  for (const [host, r] of Object.entries(report.small)) {
    console.log(`  ${host.padEnd(7)} ${r.failed ? 'FAILED' : `${fmt(r.framesPerSecond / 1e3)} k frames/s committed, ${fmt(r.callsPerSecond / 1e3)} k ingest calls/s (${r.frames} frames)`}`);
  }
  console.log('\nhost thread ingest() vs copy of the same frame (median over frames, budget with room; frames back to back):');
  for (const [host, r] of Object.entries(report.hostcost)) {
    console.log(`  ${host.padEnd(7)} ${r.failed ? 'FAILED' : `ingest ${fmt(r.ingestMedianNs / 1e3)} us, copy ${fmt(r.memcpyMedianNs / 1e3)} us: ${fmt(r.ratio, 2)}×`}`);
    if (r.loanMedianNs) {
      console.log(`  ${''.padEnd(7)} loaned frame: fill + commit ${fmt(r.loanMedianNs / 1e3)} us = ${fmt(r.loanRatio, 2)}× copy; ` +
        `frameBegin + commit alone ${fmt(r.loanOnlyMedianNs / 1e3)} us`);
    }
  }
  const paced = report.hostcostPaced;
  if (paced?.ratio) {
    console.log(`  cpp, frames arriving at ${fmt(paced.paceBytesPerSecond / 1e6)} MB/s (half capacity): ` +
      `ingest ${fmt(paced.ingestMedianNs / 1e3)} us, copy ${fmt(paced.memcpyMedianNs / 1e3)} us: ${fmt(paced.ratio, 2)}×`);
  }
  if (report.micro?.tasks) {
    console.log('\nNode micro-benchmarks (tinybench):');
    for (const t of report.micro.tasks) {
      console.log(`  ${t.name.padEnd(38)} ${fmt(t.opsPerSecond)} ops/s, mean ${fmt(t.latencyMeanUs, 1)} us, p50 ${fmt(t.latencyP50Us, 1)} us, p99 ${fmt(t.latencyP99Us, 1)} us`);
    }
  }
  if (report.long?.peakRssBytes) {
    const lg = report.long;
    console.log(`\n--long: ${fmt(lg.fieldBytes / 1e9, 1)} GB in ${fmt(lg.seconds, 1)} s, peak RSS ${fmt(lg.peakRssBytes / MiB)} MiB, memoryLimit ${fmt(lg.memoryLimit / MiB)} MiB (+64 MiB = ${fmt(lg.memoryLimit / MiB + 64)})`);
  }
  console.log('\ntargets (issue 5 unless named):');
  for (const t of report.targets) {
    console.log(`  ${t.met === null ? '  n/a' : t.met ? '  met' : '  GAP'}  ${t.target}: ${t.measured}`);
  }
  console.log('\n== issue 15 goals (entries with a goal, grouped; C++, Python, Node)\n');
  console.log(goalTable(report.targets));
  console.log(`\nload average at start ${report.machine.loadavgStart.map((v) => v.toFixed(2)).join(' ')}, at end ${report.machine.loadavgEnd.map((v) => v.toFixed(2)).join(' ')}`);
  console.log(`machine at start: ${describeFirstTouch(report.machine.firstTouchStart)}; at end: ${describeFirstTouch(report.machine.firstTouchEnd)}`);
}

function gitInfo() {
  const git = (args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
  return { commit: git(['rev-parse', 'HEAD']), dirty: git(['status', '--porcelain']).length > 0 };
}

// ---- main ----------------------------------------------------------------
async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options.reference) {
    const commit = referenceCommit(root);
    if (commit instanceof Error) {
      console.error(commit.message);
      process.exit(2);
    }
  }
  const started = Date.now();
  const report = {
    timestamp: new Date().toISOString(),
    git: gitInfo(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavgStart: os.loadavg(), node: process.version },
    options,
    throughput: {}, small: {}, hostcost: {}, micro: null, long: null,
  };
  const failures = [];

  build(options);
  report.machine.firstTouchStart = firstTouch({ runJson, buildDir });
  console.log(`== machine: ${describeFirstTouch(report.machine.firstTouchStart)}`);
  console.log('== frames (bench/python/frames.py)');
  const generated = runJson(python, [path.join(benchDir, 'python', 'frames.py'), '--out', dataDir,
    '--frames2d', String(options.frames2d), '--frames3d', String(options.frames3d),
    '--small-frames', String(options.smallFrames)]);
  const manifest = JSON.parse(readFileSync(generated.manifest, 'utf8'));
  mkdirSync(outRoot, { recursive: true });
  const node = nodeAvailable(options);
  if (!node.ok) console.log(`== Node contender skipped: ${node.why}`);
  const hosts = ['pyarrow', 'cpp', 'python', ...(node.ok ? ['node'] : [])];

  const ctx = { run, runJson, writeSpec, python, root, benchDir, buildDir, outRoot, manifest, simingestConfig, frameBytes,
                runContender };
  const throughput = throughputSection(ctx, options, hosts, failures);
  report.throughput = throughput.result;

  const small = manifest.cases.small;
  console.log(`== ${small.title}`);
  for (const host of hosts.filter((h) => h !== 'pyarrow')) {
    const count = host === 'cpp' ? options.smallFrames : options.smallFramesBindings;
    const spec = { ...small, stream: 'diagnostics', count, out: path.join(outRoot, `small-${host}`),
                   // 1 MiB row groups (~13 k frames): with 64 MiB ones (838 k one-row
                   // frames) the engine stalls once the budget is full of frames of the
                   // unsealed row group (see docs/PERFORMANCE.md).
                   config: simingestConfig(small, options, { rowGroupBytes: MiB }) };
    report.small[host] = runContender(failures, 'small', host, 'small', spec, options);
  }

  const c2 = manifest.cases.tgv2d;
  console.log('== host thread cost: ingest() vs memcpy, TGV 2D frames, memoryLimit 4 GiB');
  for (const host of hosts.filter((h) => h !== 'pyarrow')) {
    const spec = { ...c2, stream: 'fields', out: path.join(outRoot, `hostcost-${host}`),
                   config: simingestConfig(c2, options, { memoryLimit: 4096 * MiB }) };
    report.hostcost[host] = runContender(failures, 'hostcost', host, 'hostcost', spec, options);
  }
  // The same frames from C++ arriving at half of the C++ capacity, as from a
  // solver: the workers keep up and return buffers, so the host copies into
  // memory already faulted in.
  const paceCapacity = report.throughput.tgv2d?.cpp?.mbPerSecond;
  if (paceCapacity && hosts.includes('cpp')) {
    const spec = { ...c2, stream: 'fields', out: path.join(outRoot, 'hostcost-cpp-paced'),
                   paceBytesPerSecond: 0.5 * paceCapacity * 1e6,
                   config: simingestConfig(c2, options, { memoryLimit: 4096 * MiB }) };
    report.hostcostPaced = runContender(failures, 'hostcost', 'cpp', 'hostcost', spec, options);
  }

  if (node.ok) {
    console.log('== Node micro-benchmarks (tinybench)');
    try {
      report.micro = runJson(process.execPath, [path.join(benchDir, 'node', 'micro.mjs'), outRoot, '--time', options.quick ? '300' : '1000']);
    } catch (error) {
      failures.push(`micro: ${error.message}`);
      report.micro = { failed: error.message };
    }
  }

  if (!options.noQuery) {
    // The read side (issue 12): its own script prints its table; its JSON goes in the report.
    console.log('== queries: simingest vs DuckDB and pyarrow.dataset (bench/python/bench_query.py)');
    const queryJson = path.join(outRoot, 'query.json');
    try {
      run(python, [path.join(benchDir, 'python', 'bench_query.py'), '--steps', String(options.querySteps),
                   '--repeat', String(options.quick ? 3 : 5), '--json', queryJson],
          { env: { SIMINGEST_LIBRARY: path.join(buildDir, 'libsimingest.so') }, timeoutSeconds: 3600 });
      report.query = JSON.parse(readFileSync(queryJson, 'utf8'));
    } catch (error) {
      failures.push(`query: ${error.message}`);
      report.query = { failed: error.message };
    }
  }

  // Issues 13, 16 and 14 (bench/sections.mjs): each section's JSON goes in
  // the report under its name, its goals join the targets.
  const sections = [
    ['realtime', !options.noRealtime, 'realtime log: engine vs fastavro and avsc (bench/realtime_log_bench.cpp)', realtimeSection],
    ['tail', !options.noRealtime, 'realtime log tailed by another process: latency (bench/tail_latency_bench.cpp)', tailSection],
    ['quantize', !options.noQuantize, 'quantised columns vs zfp and pyarrow (bench/python/bench_quantize.py)', quantizeSection],
    ['serve', !options.noServe && node.ok, 'simingest serve vs in-process (bench/node/serve_throughput.mjs)', serveSection],
    ['subscribeLatency', !options.noLatency, 'in-process subscriber latency, one-row frames at 100 k/s (bench/subscribe_latency_bench.cpp)', subscribeLatencySection],
    ['routeCost', !options.noRouteCost, 'TGV 2D routed "both" (everySteps 10) vs "batch" (bench_ingest routecost)', routeCostSection],
    ['appender', !options.noAppender, 'appender: rows one call each, 8 float64 (bench/appender_bench.cpp, bench_appender.py/.mjs)',
     (c, o) => appenderSection(c, o, node.ok)],
    ['nodeLoop', node.ok, 'issue 15 goals 6 and 5, Node: event loop, ingest() vs memcpy, loaned-frame solver slowdown (bench/sections_nodeloop.mjs)', (c, o) => nodeLoopSection(c, o, node.ok)],
    ['loop', true, 'issue 15 goal 3: small frames in a solver loop (bench/loop_bench.cpp, bench_loop.py/.mjs)', (c, o) => loopSection(c, o, node.ok)],
    ['commitPath', true, 'issue 15 goal 2: the commit path, noisy case from C++ by I/O path (bench/sections_commitpath.mjs)', commitPathSection],
  ];
  const sectionTargets = [];
  for (const [name, enabled, title, section] of sections) {
    if (!enabled) continue;
    console.log(`== ${title}`);
    try {
      const { result, targets } = section(ctx, options);
      report[name] = result;
      sectionTargets.push(...targets);
    } catch (error) {
      failures.push(`${name}: ${error.message}`);
      report[name] = { failed: error.message };
    }
  }

  if (options.long) {
    console.log(`== --long: ${options.longGB} GB from C++, memoryLimit 256 MiB`);
    const spec = { ...c2, stream: 'fields', out: path.join(outRoot, 'long-cpp'), totalBytes: options.longGB * 1e9, loadFrames: 4,
                   config: simingestConfig(c2, options, { memoryLimit: 256 * MiB, rowGroupBytes: 64 * MiB }) };
    rmSync(spec.out, { recursive: true, force: true });
    try {
      report.long = runJson(path.join(buildDir, 'bench', 'bench_ingest'), ['long', writeSpec('long-cpp', spec)], { timeoutSeconds: 3600 });
    } catch (error) {
      failures.push(`long: ${error.message}`);
      report.long = { failed: error.message };
    } finally {
      rmSync(spec.out, { recursive: true, force: true });
    }
  }

  report.machine.loadavgEnd = os.loadavg();
  report.machine.firstTouchEnd = firstTouch({ runJson, buildDir });
  report.seconds = (Date.now() - started) / 1e3;
  report.targets = [...throughput.targets, ...evaluateTargets(report), ...(report.query?.cases ? queryTargets(report.query) : []),
                    ...sectionTargets, hygieneTarget(root, options.reference, report.git.dirty)];
  report.failures = failures;
  report.table = printTable(report);
  printReport(report);

  const written = saveReport(root, report, { reference: options.reference });
  console.log(`\nwrote ${path.relative(root, written)} (${report.seconds.toFixed(0)} s)`);
  if (failures.length) {
    console.error(`\nbench FAILED:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exit(1);
});
