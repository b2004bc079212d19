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
  for (let i = 0; i < frames; i++) {
    const columns = {};
    for (const name of spec.fields) columns[name] = data[name][i];
    await ingestor.ingest(spec.stream, { step: i, time: i * spec.dt, columns });
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

// The demo solver alone and ingesting `framesPerStep`
// frames of its fields every step (chosen so that the ingest load is
// `loadFraction` of `capacityBytesPerSecond`), alternated (see below); the
// baseline of each run is the mean of the solver-alone runs around it, which absorbs slow drift of a
// shared machine. Solver time includes sample() (the fields a solver hands
// over) in every run; only the ingest calls differ.
async function slowdown() {
  const { NavierStokes2d } = await import('simingest/demo');
  const n = spec.grid;
  const solver = new NavierStokes2d({ nx: n, ny: n, viscosity: 0.002, perturbation: 0.1 });
  const steps = spec.steps;
  // `loan`: the solver samples its fields straight into a loaned frame (no
  // copy); the further frames of a step that make up the load are loans
  // filled from those fields (a copy, as ingest() makes).
  const runSolver = async (ingestor, framesPerStep, firstStep, loan = false) => {
    const start = performance.now();
    for (let s = 0; s < steps; s++) {
      solver.advance();
      if (loan && ingestor) {
        const first = ingestor.frameBegin('fields', (firstStep + s) * framesPerStep, solver.time);
        const { fields } = solver.sample(first.columns);
        // At most two loans open at once, so their buffers cycle through the pool.
        for (let r = 1; r < framesPerStep; r++) {
          const frame = ingestor.frameBegin('fields', (firstStep + s) * framesPerStep + r, solver.time);
          for (const name of ['vx', 'vy', 'p', 'vorticity']) frame.column(name).set(fields[name]);
          frame.commit();
        }
        first.commit();
        continue;
      }
      const { fields } = solver.sample();
      for (let r = 0; ingestor && r < framesPerStep; r++) {
        const step = (firstStep + s) * framesPerStep + r;
        await ingestor.ingest('fields', { step, time: solver.time,
          columns: { vx: fields.vx, vy: fields.vy, p: fields.p, vorticity: fields.vorticity } });
      }
    }
    return (performance.now() - start) / 1e3;
  };
  for (let s = 0; s < 3; s++) { solver.advance(); solver.sample(); }  // JIT warm-up
  // Alternated, so that a slow spell of a shared machine does not fall on one
  // kind of run only: alone, ingest, loan, alone, loan, ingest, alone; each
  // run with ingest is compared with the mean of the solver-alone runs on
  // either side of it.
  const alone = [await runSolver(null, 0, 0)];
  const frameBytes = 4 * n * n * 4;
  const stepSeconds = alone[0] / steps;
  const framesPerStep = Math.max(1, Math.round((spec.loadFraction * spec.capacityBytesPerSecond * stepSeconds) / frameBytes));
  const loans = typeof Ingestor.prototype.frameBegin === 'function';
  mkdirSync(spec.out, { recursive: true });
  const withIngest = [];
  const withLoan = [];
  let closeSeconds = 0;
  const runWith = async (loan, k) => {
    const ingestor = await Ingestor.open(`${spec.out}/${loan ? 'loan' : 'ingest'}-${k}`, spec.config);
    const seconds = await runSolver(ingestor, framesPerStep, 0, loan);
    const closeStart = performance.now();
    await ingestor.close();
    if (!loan) closeSeconds = (performance.now() - closeStart) / 1e3;
    (loan ? withLoan : withIngest).push(seconds);
  };
  for (let k = 0; k < 2; k++) {
    const order = loans ? (k === 0 ? [false, true] : [true, false]) : [false];
    for (const loan of order) await runWith(loan, k);
    alone.push(await runSolver(null, 0, 0));
  }
  const slowdownOf = (runs) => runs.map((seconds, k) => (seconds / ((alone[k] + alone[k + 1]) / 2) - 1) * 100);
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  const ingestSlowdowns = slowdownOf(withIngest);
  const loanSlowdowns = slowdownOf(withLoan);
  const baseline = mean(alone);
  return {
    grid: [n, n], steps, framesPerStep, frameBytes,
    solverSecondsWithout: baseline, solverSecondsBefore: alone[0], solverSecondsAfter: alone[alone.length - 1],
    solverSecondsAlone: alone, solverSecondsWith: mean(withIngest), solverSecondsWithRuns: withIngest, closeSeconds,
    ingestBytesPerSecond: (steps * framesPerStep * frameBytes) / mean(withIngest),
    targetBytesPerSecond: spec.loadFraction * spec.capacityBytesPerSecond,
    slowdownPercent: mean(ingestSlowdowns), slowdownPercentRuns: ingestSlowdowns,
    ...(loans ? { solverSecondsWithLoan: mean(withLoan), solverSecondsWithLoanRuns: withLoan,
                  loanSlowdownPercent: mean(loanSlowdowns), loanSlowdownPercentRuns: loanSlowdowns } : {}),
  };
}

const modes = { throughput, small, hostcost, slowdown };
const result = await modes[mode]();
console.log(JSON.stringify({ ...result, host: 'node', mode }));
