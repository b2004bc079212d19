// The Node host contender of `npm run bench`: `import { Ingestor } from 'simingest'`
// (this package, self-referenced), one mode per process, SPEC.json written by
// bench/run.mjs, one JSON object printed.
//
//   throughput SPEC.json   large frames, wall time first ingest -> committed (flush + close),
//                          and the event loop's delay meanwhile (1 ms resolution histogram)
//   small SPEC.json        one-row frames of eight float64 scalars (numbers)
//   hostcost SPEC.json     the event-loop thread's ingest() vs TypedArray.set of the same frame
//   slowdown SPEC.json     the demo solver (simingest/demo) alone vs ingesting every step (alternated runs)
import { readFileSync, openSync, readSync, closeSync, mkdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Ingestor } from 'simingest';

const [mode, specPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, 'utf8'));

function procStatusBytes(key) {
  const match = readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${key}:\\s+(\\d+)`, 'm'));
  return match ? Number(match[1]) * 1024 : 0;
}

// Field-major grid case: field -> array of per-frame typed-array views (see frames.py).
function loadGridCase(c, frames = c.frames) {
  const Typed = c.dtype === 'float32' ? Float32Array : Float64Array;
  const item = Typed.BYTES_PER_ELEMENT;
  const fieldBytes = frames * c.elements * item;
  const fd = openSync(c.data, 'r');
  const result = {};
  try {
    c.fields.forEach((name, f) => {
      const buffer = new ArrayBuffer(fieldBytes);
      let done = 0;
      while (done < fieldBytes) {
        const n = readSync(fd, new Uint8Array(buffer, done), 0, fieldBytes - done, f * c.frames * c.elements * item + done);
        if (n <= 0) throw new Error(`short read of ${c.data}`);
        done += n;
      }
      result[name] = Array.from({ length: frames }, (_, i) => new Typed(buffer, i * c.elements * item, c.elements));
    });
  } finally {
    closeSync(fd);
  }
  return result;
}

// The JavaScript thread's scheduler counters (Linux /proc/<pid>/task/<tid>/schedstat:
// ns on a CPU, ns runnable but waiting for one, time slices); null elsewhere.
// How late a timer ran is bounded below by the time its thread waited for a CPU.
function mainThreadSchedstat() {
  try {
    const [runNs, waitNs, slices] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { runNs, waitNs, slices };
  } catch {
    return null;
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

async function throughput() {
  const data = loadGridCase(spec);
  const rssAfterLoadBytes = procStatusBytes('VmRSS');
  const frames = spec.frames;
  const ingestor = await Ingestor.open(spec.out, spec.config);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // The histogram's first sample is taken at its timer's first callback: a
  // loop that blocked from the start would not be in it at all (162 frames,
  // ~2 s at load 9, went unrecorded this way). Let that callback run first.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const sched0 = mainThreadSchedstat();
  const start = performance.now();
  // The synchronous part of each call (until ingest() returns its promise):
  // the time the JavaScript thread cannot run a timer because of the call.
  let longestCallMs = 0, callsOver5Ms = 0;
  for (let i = 0; i < frames; i++) {
    const columns = {};
    for (const name of spec.fields) columns[name] = data[name][i];
    const called = performance.now();
    const done = ingestor.ingest(spec.stream, { step: i, time: i * spec.dt, columns });
    const callMs = performance.now() - called;
    if (callMs > longestCallMs) longestCallMs = callMs;
    if (callMs > 5) callsOver5Ms++;
    await done;
  }
  const ingestSeconds = (performance.now() - start) / 1e3;
  await ingestor.flush();
  delay.disable();
  const sched1 = mainThreadSchedstat();
  const stats = ingestor.stats();
  await ingestor.close();
  const seconds = (performance.now() - start) / 1e3;
  const item = spec.dtype === 'float32' ? 4 : 8;
  return {
    seconds, ingestSeconds, frames, fieldBytes: frames * spec.elements * item * spec.fields.length,
    memoryPeak: stats.memoryPeak, memoryLimit: stats.memoryLimit, framesCommitted: stats.framesCommitted,
    peakRssBytes: procStatusBytes('VmHWM'), rssAfterLoadBytes,
    // How late a 1 ms timer ran while frames streamed in and were flushed.
    eventLoopDelayMs: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
    ingestCalls: { longestMs: longestCallMs, over5Ms: callsOver5Ms },
    // Meanwhile, the JavaScript thread's time on a CPU and waiting for one.
    ...(sched0 && sched1 ? { mainThread: { cpuMs: (sched1.runNs - sched0.runNs) / 1e6, runnableWaitMs: (sched1.waitNs - sched0.waitNs) / 1e6,
                                           slices: sched1.slices - sched0.slices } } : {}),
  };
}

async function small() {
  const frames = Math.min(spec.count ?? spec.frames, spec.frames);
  const width = spec.fields.length;
  const bytes = readFileSync(spec.data).subarray(0, frames * width * 8);
  const values = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  // Plain objects of numbers, as a solver's diagnostics would be; built before the clock.
  const frameColumns = Array.from({ length: frames }, (_, i) => {
    const columns = {};
    for (let k = 0; k < width; k++) columns[spec.fields[k]] = values[i * width + k];
    return columns;
  });
  const rssAfterLoadBytes = procStatusBytes('VmRSS');
  const ingestor = await Ingestor.open(spec.out, spec.config);
  const start = performance.now();
  for (let i = 0; i < frames; i++) {
    await ingestor.ingest(spec.stream, { step: i, time: i * spec.dt, columns: frameColumns[i] });
  }
  const ingestSeconds = (performance.now() - start) / 1e3;
  await ingestor.flush();
  await ingestor.close();
  const seconds = (performance.now() - start) / 1e3;
  return {
    frames, seconds, ingestSeconds, framesPerSecond: frames / seconds, callsPerSecond: frames / ingestSeconds,
    peakRssBytes: procStatusBytes('VmHWM'), rssAfterLoadBytes,
  };
}

async function hostcost() {
  const data = loadGridCase(spec);
  const Typed = spec.dtype === 'float32' ? Float32Array : Float64Array;
  const destination = Object.fromEntries(spec.fields.map((name) => [name, new Typed(spec.elements).fill(1)]));
  const ingestor = await Ingestor.open(spec.out, spec.config);
  const copyNs = [];
  const ingestNs = [];
  // Loaned frames (zero copy), beside: `loan` fills the lent arrays from the
  // same frame (a solver holding its fields elsewhere pays this one copy);
  // `loanOnly` is frameBegin + commit without the fill, what a solver
  // computing straight into the lent arrays pays on top of its own writes.
  const loanNs = [];
  const loanOnlyNs = [];
  const loans = typeof ingestor.frameBegin === 'function';
  // paceBytesPerSecond > 0: the frames of each iteration arrive at that rate,
  // as from a solver (the C++ contender's paced mode): the workers keep up and
  // give buffers back, so the host writes into memory already faulted in.
  // Unpaced, the frames outrun the encoders and nearly every one lands in a
  // fresh engine buffer, whose first-touch page faults the host thread pays.
  const pace = spec.paceBytesPerSecond ?? 0;
  const iterationBytes = (loans ? 3 : 1) * spec.elements * spec.fields.length * (spec.dtype === 'float32' ? 4 : 8);
  const pacedStart = performance.now();
  let step = 0;
  for (let i = 0; i < spec.frames; i++) {
    if (pace > 0) {
      const wait = pacedStart + (i * iterationBytes * 1e3) / pace - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const columns = {};
    for (const name of spec.fields) columns[name] = data[name][i];
    // The first of them reads the frame from memory, the others from
    // cache: the order rotates so none gets that for free.
    const order = loans ? ['copy', 'ingest', 'loan', 'loanOnly'] : ['copy', 'ingest'];
    for (let k = 0; k < order.length; k++) {
      const which = order[(k + i) % order.length];
      const t0 = process.hrtime.bigint();
      if (which === 'copy') {
        for (const name of spec.fields) destination[name].set(columns[name]);
        copyNs.push(Number(process.hrtime.bigint() - t0));
      } else if (which === 'ingest') {
        await ingestor.ingest(spec.stream, { step: step++, time: i * spec.dt, columns });
        ingestNs.push(Number(process.hrtime.bigint() - t0));
      } else {
        const frame = ingestor.frameBegin(spec.stream, step++, i * spec.dt);
        if (which === 'loan') for (const name of spec.fields) frame.column(name).set(columns[name]);
        frame.commit();
        (which === 'loan' ? loanNs : loanOnlyNs).push(Number(process.hrtime.bigint() - t0));
      }
    }
  }
  const stats = ingestor.stats();
  await ingestor.close();
  const m = median(copyNs);
  const g = median(ingestNs);
  const loan = loans ? { loanMedianNs: median(loanNs), loanRatio: median(loanNs) / m,
                         loanOnlyMedianNs: median(loanOnlyNs) } : {};
  return { frames: spec.frames, paceBytesPerSecond: pace, memcpyMedianNs: m, ingestMedianNs: g, ratio: g / m, ...loan,
           memoryPeak: stats.memoryPeak, memoryLimit: stats.memoryLimit };
}

// One run of the demo solver (simingest/demo NavierStokes2d, `steps` steps
// from the same initial state), in a process of its own (bench/slowdown.mjs
// alternates the processes):
//   alone           the solver and its sample() only;
//   alone-detached  the same after one ArrayBuffer was detached in this process;
//   ingest          + `framesPerStep` awaited ingest() calls of its fields per step;
//   loan            the solver samples its fields straight into a loaned frame
//                   (no copy); the step's further frames are loans filled from
//                   those fields (a copy, as ingest() makes).
// One process per run because a loan's commit detaches ArrayBuffers, and V8
// then drops its "no ArrayBuffer was ever detached" assumption for the whole
// process: measured here, every later solver run of the process was 35-45 %
// slower, with or without simingest in it (see docs/PERFORMANCE_ISSUE15.md).
async function slowdown() {
  const { NavierStokes2d } = await import('simingest/demo');
  const n = spec.grid;
  const { steps, run, framesPerStep = 0 } = spec;
  const solver = new NavierStokes2d({ nx: n, ny: n, viscosity: 0.002, perturbation: 0.1 });
  // JIT warm-up on a solver of its own, so that the timed one starts from the initial state.
  const warm = new NavierStokes2d({ nx: n, ny: n, viscosity: 0.002, perturbation: 0.1 });
  for (let s = 0; s < 3; s++) { warm.advance(); warm.sample(); }
  if (run === 'alone-detached') {
    const buffer = new ArrayBuffer(8);
    structuredClone(buffer, { transfer: [buffer] });
    if (buffer.byteLength !== 0) throw new Error('slowdown: the ArrayBuffer was not detached');
  }
  const ingestor = run === 'ingest' || run === 'loan' ? await Ingestor.open(spec.out, spec.config) : null;
  const loan = run === 'loan';
  if (loan && typeof ingestor.frameBegin !== 'function') throw new Error('slowdown: this package has no frameBegin()');
  // Time on the solver's thread inside the ingest calls (the host's direct
  // cost, free of the machine's drift between runs); `zeroCopy` is the begin
  // + commit of the frame the solver sampled into.
  let hostNs = 0;
  let zeroCopyNs = 0;
  const now = () => performance.now() * 1e6;
  const sched0 = mainThreadSchedstat();
  const start = performance.now();
  for (let s = 0; s < steps; s++) {
    solver.advance();
    if (loan) {
      let t0 = now();
      const first = ingestor.frameBegin('fields', s * framesPerStep, solver.time);
      let t1 = now();
      zeroCopyNs += t1 - t0;
      const { fields } = solver.sample(first.columns);
      t0 = now();
      // At most two loans open at once, so their buffers cycle through the pool.
      for (let r = 1; r < framesPerStep; r++) {
        const frame = ingestor.frameBegin('fields', s * framesPerStep + r, solver.time);
        for (const name of ['vx', 'vy', 'p', 'vorticity']) frame.column(name).set(fields[name]);
        frame.commit();
      }
      t1 = now();
      first.commit();
      const t2 = now();
      zeroCopyNs += t2 - t1;
      hostNs += t2 - t0;
      continue;
    }
    const { fields } = solver.sample();
    if (!ingestor) continue;
    const t0 = now();
    for (let r = 0; r < framesPerStep; r++) {
      await ingestor.ingest('fields', { step: s * framesPerStep + r, time: solver.time,
        columns: { vx: fields.vx, vy: fields.vy, p: fields.p, vorticity: fields.vorticity } });
    }
    hostNs += now() - t0;
  }
  const seconds = (performance.now() - start) / 1e3;
  const sched1 = mainThreadSchedstat();
  let closeSeconds = 0;
  if (ingestor) {
    const closeStart = performance.now();
    await ingestor.close();
    closeSeconds = (performance.now() - closeStart) / 1e3;
  }
  return {
    run, grid: [n, n], steps, framesPerStep, frameBytes: 4 * n * n * 4, seconds, closeSeconds,
    inCallSeconds: (hostNs + zeroCopyNs) / 1e9, zeroCopySeconds: zeroCopyNs / 1e9,
    ...(sched0 && sched1 ? { cpuSeconds: (sched1.runNs - sched0.runNs) / 1e9, waitSeconds: (sched1.waitNs - sched0.waitNs) / 1e9 } : {}),
  };
}

const modes = { throughput, small, hostcost, slowdown };
const result = await modes[mode]();
console.log(JSON.stringify({ ...result, host: 'node', mode }));
