// `simingest demo --serve`: the demo solver ingesting through the service, so
// a newcomer watches the vortex evolve on the dashboard. Steps are paced
// (stepMs) because the solver on a small grid would otherwise finish before
// the page has drawn twice; after the last step the service keeps serving.
import { setTimeout as delay } from 'node:timers/promises';
import { NavierStokes2d } from '../demo/navier_stokes.js';
import { markDemoOutput, prepareDemoOutput } from '../demo/output.js';
import { demoConfig, type DemoOptions } from '../demo/run.js';
import { serve, type ServerHandle } from './index.js';

export interface DemoServeOptions extends Omit<DemoOptions, 'onStep'> {
  host?: string;
  port?: number;
  grpcPort?: number | null;
  /** At least this many milliseconds per step. */
  stepMs: number;
}

/** Starts the service on the demo dataset; `solving` settles once every step is ingested and flushed. */
export async function serveDemo(options: DemoServeOptions): Promise<{ handle: ServerHandle; solving: Promise<void> }> {
  const config = demoConfig(options);
  await prepareDemoOutput(options.out, config);
  const handle = await serve({
    dataset: options.out,
    config,
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.grpcPort !== undefined ? { grpcPort: options.grpcPort } : {}),
  });
  markDemoOutput(options.out);
  const solver = new NavierStokes2d({ nx: options.nx, ny: options.ny, viscosity: options.viscosity, perturbation: options.perturbation });
  const solving = (async () => {
    for (let s = 0; s < options.steps; s += 1) {
      const next = delay(options.stepMs);
      if (s > 0) solver.advance();
      const { fields, diagnostics } = solver.sample();
      await handle.ingest('fields', { step: solver.step, time: solver.time, columns: { ...fields } });
      await handle.ingest('diagnostics', { step: solver.step, time: solver.time, columns: { ...diagnostics } });
      await next;
    }
    await handle.ingestor.flush();
  })();
  return { handle, solving };
}
