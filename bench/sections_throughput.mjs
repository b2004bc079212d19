// Issue 15 goal 1: large frames with the DEFAULT configuration, as a new user
// writes it (`streams` + `compression: zstd 1`, nothing else), from every
// simingest host against pyarrow's ParquetWriter (BYTE_STREAM_SPLIT + zstd 1,
// one write per frame, fsync after close; bench/python/bench_pyarrow.py).
// The engine's close() commits with fsync of every file and the manifest, so
// both sides end on durable data and neither pays a system-wide os.sync().
//
// One more line, "cpp tuned", writes the same frames from C++ with the
// configuration earlier bench runs used (row groups of whole frames near
// 64 MiB, 1 MiB pages, --memory-limit-mib, --workers, backpressure block): the
// side-by-side answer to "is a default the slow part?".
//
// Repetitions alternate the contenders (pyarrow, cpp, python, node, cpp tuned,
// pyarrow, …) so a slow spell of the shared machine falls on all of them; each
// host's ratio to pyarrow is taken per repetition (its run over the pyarrow
// run of the same round) and reported as median with min–max, beside each
// contender's min / median / max MB/s and spread (max / min).
import * as path from 'node:path';
import { quantiles } from './stats.mjs';

export const THROUGHPUT_CASES = ['tgv2d', 'noisy', 'tgv3d'];
const HOSTS = ['cpp', 'python', 'node'];

// What the user writes: streams and zstd 1, every other key left to the engine.
export function defaultConfig(c) {
  const columns = Object.fromEntries(c.fields.map((name) => [name, c.dtype]));
  return { streams: { fields: c.grid.length ? { columns, grid: c.grid } : { columns } },
           compression: { codec: 'zstd', level: 1 } };
}

// contenders: [{ name, host, config, rowGroupFrames }]; returns name -> runs.
function alternate(ctx, c, contenders, options, failures) {
  const runs = Object.fromEntries(contenders.map((k) => [k.name, []]));
  for (let r = 0; r < options.repeat; r++) {
    for (const k of contenders) {
      const spec = { ...c, stream: 'fields', out: path.join(ctx.outRoot, `${c.name}-${k.name}`),
                     config: k.config, rowGroupFrames: k.rowGroupFrames };
      runs[k.name].push(ctx.runContender(failures, c.name, k.host, 'throughput', spec, options, r === 0, k.name));
    }
  }
  return runs;
}

function summarise(runs) {
  const failed = runs.find((r) => r.failed);
  if (failed) return failed;
  const mb = quantiles(runs.map((r) => r.mbPerSecond));
  const median = [...runs].sort((a, b) => a.mbPerSecond - b.mbPerSecond)[Math.floor((runs.length - 1) / 2)];
  return { ...median, mbPerSecond: mb.median, mb, samples: runs.map((r) => r.mbPerSecond), verified: runs[0].verified,
           filesWritten: runs[0].filesWritten, compressionRatio: runs[0].compressionRatio, runs };
}

const f0 = (v) => v.toFixed(0);
const f2 = (v) => v.toFixed(2);

export function throughputSection(ctx, options, hosts, failures) {
  const result = {};
  const targets = [];
  for (const name of THROUGHPUT_CASES) {
    const c = ctx.manifest.cases[name];
    const tuned = ctx.simingestConfig(c, options);
    const contenders = [
      { name: 'pyarrow', host: 'pyarrow', rowGroupFrames: 1 },
      ...HOSTS.filter((h) => hosts.includes(h)).map((host) => ({ name: host, host, config: defaultConfig(c) })),
      ...(hosts.includes('cpp') ? [{ name: 'cpp tuned', host: 'cpp', config: tuned }] : []),
    ];
    console.log(`== ${c.title}: ${c.frames} frames of ${(ctx.frameBytes(c) / 2 ** 20).toFixed(1)} MiB, default configuration ` +
                `(cpp tuned: rowGroupBytes ${tuned.rowGroupBytes}, memoryLimit ${tuned.memoryLimit}, workers ${tuned.workers}), ${options.repeat} alternated runs`);
    const runs = alternate(ctx, c, contenders, options, failures);
    const byName = Object.fromEntries(contenders.map((k) => [k.name, summarise(runs[k.name])]));
    const base = runs.pyarrow;
    for (const k of contenders) {
      const s = byName[k.name];
      if (s.failed) continue;
      if (k.name !== 'pyarrow' && !base.some((r) => r.failed)) {
        s.ratioToPyarrow = quantiles(runs[k.name].map((r, i) => r.mbPerSecond / base[i].mbPerSecond));
      }
      const ratio = s.ratioToPyarrow ? `; × pyarrow median ${f2(s.ratioToPyarrow.median)} (${f2(s.ratioToPyarrow.min)}–${f2(s.ratioToPyarrow.max)})` : '';
      console.log(`   ${name} ${k.name.padEnd(10)} MB/s min ${f0(s.mb.min)} / median ${f0(s.mb.median)} / max ${f0(s.mb.max)}, ` +
                  `spread ${f2(s.mb.spread)}×${ratio}`);
    }
    result[name] = byName;
    targets.push(...caseTargets(name, byName));
  }
  return { result, targets };
}

function caseTargets(name, byName) {
  const targets = [];
  const p = byName.pyarrow;
  for (const host of HOSTS) {
    const s = byName[host];
    if (!s) continue;
    const add = (target, measured, met) => targets.push({ goal: 1, host, target: `issue 15 goal 1: ${name} ${host} ${target}`, measured, met });
    if (s.failed || p?.failed || !s.ratioToPyarrow) {
      add('≥ 5× pyarrow (default configuration)', 'FAILED', false);
      continue;
    }
    const q = s.ratioToPyarrow;
    add('≥ 5× pyarrow (default configuration)',
        `${f2(q.median)}× median (${f2(q.min)}–${f2(q.max)}× over ${s.runs.length} runs; ${f0(s.mb.median)} vs ${f0(p.mb.median)} MB/s, spread ${f2(s.mb.spread)}×)`,
        q.median >= 5);
    add('compression ratio ≥ pyarrow\'s', `${s.compressionRatio.toFixed(3)} vs ${p.compressionRatio.toFixed(3)}`,
        s.compressionRatio >= p.compressionRatio);
  }
  // Goal 6: how late Node's 1 ms timer ran while Node ingested this case at
  // full speed (bench/node/bench_ingest.mjs), the worst of the repetitions.
  const node = byName.node;
  if (node && !node.failed && node.runs.every((r) => r.eventLoopDelayMs)) {
    const worst = (key) => Math.max(...node.runs.map((r) => r.eventLoopDelayMs[key]));
    // Beside the delay, the longest synchronous part of one ingest() call in
    // the same run: whether the call itself held the thread that long.
    const calls = (key) => {
      const run = node.runs.find((r) => r.eventLoopDelayMs[key] === worst(key));
      return run?.ingestCalls ? `; longest ingest() call in that run ${f2(run.ingestCalls.longestMs)} ms` : '';
    };
    targets.push({ goal: 6, host: 'node', target: `issue 15 goal 6: ${name} Node event-loop delay p99 ≤ 5 ms at full speed`,
                   measured: `${f2(worst('p99'))} ms (worst of ${node.runs.length} runs${calls('p99')})`, met: worst('p99') <= 5 });
    targets.push({ goal: 6, host: 'node', target: `issue 15 goal 6: ${name} Node event-loop delay max ≤ 20 ms at full speed`,
                   measured: `${f2(worst('max'))} ms (worst of ${node.runs.length} runs${calls('max')})`, met: worst('max') <= 20 });
  }
  return targets;
}
