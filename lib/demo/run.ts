// `simingest demo`: runs the built-in Navier–Stokes solver and ingests its
// fields and diagnostics every step, the way a real solver would.
import type { Config } from '../config.js';
import { Ingestor } from '../ingestor.js';
import type { Stats } from '../stats.js';
import type { SubscribedFrame } from '../subscription.js';
import { NavierStokes2d } from './navier_stokes.js';
import { markDemoOutput, prepareDemoOutput } from './output.js';

export interface DemoOptions {
  out: string;
  steps: number;
  nx: number;
  ny: number;
  viscosity: number;
  perturbation: number;
  partitionSteps: number;
  memoryLimit: number;
  workers?: number;
  /** Called after every step with the engine's counters. */
  onStep?: (step: number, stats: Stats, elapsedSeconds: number, compressionRatio: number | null) => void;
  /** `--live`: diagnostics are routed "both" and each frame comes here through a subscription as it arrives. */
  onLive?: (frame: SubscribedFrame) => void;
}

export interface DemoResult {
  out: string;
  steps: number;
  seconds: number;
  /** Seconds the solver loop spent inside ingest() calls (copying frames, or waiting for room). */
  ingestSeconds: number;
  stats: Stats;
  /** Raw column bytes of committed rows / bytes of committed files. */
  compressionRatio: number | null;
  energy: { initial: number; final: number; finalTime: number };
}

const FIELD_COLUMNS = ['vx', 'vy', 'p', 'vorticity'] as const;
const DIAGNOSTIC_COLUMNS = ['energy', 'enstrophy', 'maxVelocity', 'cfl', 'dt'] as const;

export function demoConfig(
  options: Pick<DemoOptions, 'nx' | 'ny' | 'partitionSteps' | 'memoryLimit' | 'workers'> & { live?: boolean },
): Config {
  return {
    streams: {
      fields: {
        columns: Object.fromEntries(FIELD_COLUMNS.map((c) => [c, 'float32'])),
        grid: [options.ny, options.nx],
        partition: { steps: options.partitionSteps },
      },
      diagnostics: {
        columns: Object.fromEntries(DIAGNOSTIC_COLUMNS.map((c) => [c, 'float64'])),
        partition: { steps: options.partitionSteps },
        // --live: every frame to Parquet and to the realtime path, which feeds subscriptions.
        ...(options.live ? { route: 'both' as const } : {}),
      },
    },
    compression: { codec: 'zstd', level: 1 },
    rowGroupBytes: 4 * 2 ** 20,
    fileBytes: 16 * 2 ** 20,
    memoryLimit: options.memoryLimit,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    backpressure: 'block',
  };
}

/** Raw bytes of the committed rows' declared columns over the bytes of committed files. */
export function committedRatio(stats: Stats, config: Config): number | null {
  if (stats.bytesWritten === 0) return null;
  let raw = 0;
  for (const [name, stream] of Object.entries(stats.streams)) {
    const columns = config.streams[name]?.columns ?? {};
    const rowBytes = Object.values(columns).reduce((acc, spec) => {
      const dtype = typeof spec === 'string' ? spec : spec.dtype;
      return acc + (dtype.endsWith('64') ? 8 : dtype.endsWith('32') ? 4 : dtype.endsWith('16') ? 2 : 1);
    }, 0);
    raw += stream.rowsCommitted * rowBytes;
  }
  return raw / stats.bytesWritten;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const config = demoConfig({ ...options, live: options.onLive !== undefined });
  // The demo replaces its own earlier output, never anything else.
  await prepareDemoOutput(options.out, config);
  const solver = new NavierStokes2d({
    nx: options.nx,
    ny: options.ny,
    viscosity: options.viscosity,
    perturbation: options.perturbation,
  });
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  let initialEnergy = Number.NaN;
  let finalEnergy = Number.NaN;
  let finalTime = 0;
  let ingestNs = 0n;
  let stats: Stats;
  let live: Promise<void> | null = null;
  {
    await using ingestor = await Ingestor.open(options.out, config);
    markDemoOutput(options.out);
    // Subscribed before the first step; the loop ends when the ingestor closes.
    const onLive = options.onLive;
    live = onLive
      ? (async () => {
          for await (const frame of ingestor.subscribe('diagnostics')) onLive(frame);
        })()
      : null;
    for (let s = 0; s < options.steps; s += 1) {
      if (s > 0) solver.advance();
      const { fields, diagnostics } = solver.sample();
      if (s === 0) initialEnergy = diagnostics.energy;
      finalEnergy = diagnostics.energy;
      finalTime = solver.time;
      const before = process.hrtime.bigint();
      await ingestor.ingest('fields', { step: solver.step, time: solver.time, columns: { ...fields } });
      await ingestor.ingest('diagnostics', { step: solver.step, time: solver.time, columns: { ...diagnostics } });
      ingestNs += process.hrtime.bigint() - before;
      // Let the event loop run, so live frames print as the run goes on, not all at the end.
      if (live) await new Promise((resolve) => setImmediate(resolve));
      if (options.onStep) {
        const now = ingestor.stats();
        options.onStep(s + 1, now, elapsed(), committedRatio(now, config));
      }
    }
    await ingestor.flush();
    stats = ingestor.stats();
  }
  await live;
  return {
    out: options.out,
    steps: options.steps,
    seconds: elapsed(),
    ingestSeconds: Number(ingestNs) / 1e9,
    stats,
    compressionRatio: committedRatio(stats, config),
    energy: { initial: initialEnergy, final: finalEnergy, finalTime },
  };
}
