// The demo solver's slowdown at half capacity (issue 15 goal 5, and the
// earlier "≤ 5 %" goal with ingest()): bench/node/bench_ingest.mjs `slowdown`,
// one process per run, alternated so that a slow spell of the machine does not
// fall on one kind of run only:
//   alone, ingest, loan, alone, alone-detached, alone, loan, ingest, alone
// Each run with ingest (or loans, or after a detach) is compared with the mean
// of the solver-alone runs next to it. Beside that whole-run comparison, each
// run reports the time its thread spent inside the ingest calls, as a share of
// the solver-alone time: the host's direct cost, which the machine's drift
// between runs (the same solver alone measured 5.1-6.3 s in fresh processes on
// an idle VM) does not blur.
import { rmSync } from 'node:fs';

const ORDER = ['alone', 'ingest', 'loan', 'alone', 'alone-detached', 'alone', 'loan', 'ingest', 'alone'];

export function runSlowdown({ runJson, writeSpec, script, name }, spec) {
  const runs = [];
  let framesPerStep = 0;
  for (const [k, run] of ORDER.entries()) {
    const out = `${spec.out}-${k}-${run}`;
    rmSync(out, { recursive: true, force: true });
    try {
      const r = runJson(process.execPath, [script, 'slowdown', writeSpec(`${name}-${k}`, { ...spec, out, run, framesPerStep })]);
      runs.push(r);
      if (k === 0) {
        // The load: `loadFraction` of the capacity, in whole frames per solver step.
        const stepSeconds = r.seconds / r.steps;
        framesPerStep = Math.max(1, Math.round((spec.loadFraction * spec.capacityBytesPerSecond * stepSeconds) / r.frameBytes));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  const baseline = (k, key = 'seconds') => {
    const before = runs.slice(0, k).reverse().find((r) => r.run === 'alone');
    const after = runs.slice(k + 1).find((r) => r.run === 'alone');
    return ((before ?? after)[key] + (after ?? before)[key]) / 2;
  };
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  const of = (kind) => runs.map((r, k) => ({ r, k })).filter(({ r }) => r.run === kind);
  const slowdowns = (kind, key = 'seconds') => of(kind).map(({ r, k }) => (r[key] / baseline(k, key) - 1) * 100);
  const inCalls = (kind, key) => of(kind).map(({ r, k }) => (r[key] / baseline(k)) * 100);
  const alone = of('alone').map(({ r }) => r.seconds);
  const ingest = slowdowns('ingest');
  const loan = slowdowns('loan');
  return {
    grid: runs[0].grid, steps: runs[0].steps, framesPerStep, frameBytes: runs[0].frameBytes, runs,
    solverSecondsAlone: alone, aloneSpreadPercent: (Math.max(...alone) / Math.min(...alone) - 1) * 100,
    ingestBytesPerSecond: (runs[0].steps * framesPerStep * runs[0].frameBytes) / mean(of('ingest').map(({ r }) => r.seconds)),
    targetBytesPerSecond: spec.loadFraction * spec.capacityBytesPerSecond,
    slowdownPercent: mean(ingest), slowdownPercentRuns: ingest,
    loanSlowdownPercent: mean(loan), loanSlowdownPercentRuns: loan,
    detachedSlowdownPercentRuns: slowdowns('alone-detached'),
    // The same on the thread's CPU time (/proc schedstat), which leaves out the
    // time it waited for a CPU while the engine's threads (or others) ran.
    ...(runs[0].cpuSeconds !== undefined ? { cpuSlowdownPercentRuns: {
      ingest: slowdowns('ingest', 'cpuSeconds'), loan: slowdowns('loan', 'cpuSeconds'), detached: slowdowns('alone-detached', 'cpuSeconds') } } : {}),
    inCallPercent: { ingest: inCalls('ingest', 'inCallSeconds'), loan: inCalls('loan', 'inCallSeconds'),
                     zeroCopy: inCalls('loan', 'zeroCopySeconds') },
  };
}

/** One line for the console. */
export function describeSlowdown(s) {
  const pct = (values) => values.map((v) => v.toFixed(1)).join(' / ');
  return `demo solver ${s.grid[0]}² at half capacity (${s.framesPerStep} frame(s)/step), one process per run: ` +
    `loaned frames ${pct(s.loanSlowdownPercentRuns)} %, ingest() ${pct(s.slowdownPercentRuns)} %, ` +
    `solver alone after one ArrayBuffer detach ${pct(s.detachedSlowdownPercentRuns)} %; time inside the calls: ` +
    `loans ${pct(s.inCallPercent.loan)} % (the sampled frame's begin + commit ${pct(s.inCallPercent.zeroCopy)} %), ` +
    `ingest() ${pct(s.inCallPercent.ingest)} %; solver alone ${pct(s.solverSecondsAlone)} s (spread ${s.aloneSpreadPercent.toFixed(1)} %)` +
    (s.cpuSlowdownPercentRuns ? `; on the thread's CPU time: loans ${pct(s.cpuSlowdownPercentRuns.loan)} %, ingest() ` +
      `${pct(s.cpuSlowdownPercentRuns.ingest)} %, after a detach ${pct(s.cpuSlowdownPercentRuns.detached)} %` : '');
}
