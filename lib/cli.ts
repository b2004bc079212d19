// The `simingest` command: `demo` runs the built-in solver into a dataset,
// `inspect` summarises a dataset from its manifest, `query`/`head`/`tail`
// print its frames (cli_query.ts), `serve` runs the service (cli_serve.ts).
import { Command, InvalidArgumentError } from 'commander';
import { runDemo, type DemoResult } from './demo/run.js';
import type { SubscribedFrame } from './subscription.js';
import { addQueryCommands } from './cli_query.js';
import { addServeCommand, closeOnSignals, port } from './cli_serve.js';
import { SimingestError } from './errors.js';
import { formatBytes, formatFileList, formatSummary, inspectDataset } from './inspect.js';
import { formatVerifyReport, verifyDataset } from './verify.js';
import { nativeVersion } from './ingestor.js';
import { DemoProgress } from './demo/progress.js';

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError('expected a positive integer');
  return value;
}

function nonNegativeNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError('expected a number >= 0');
  return value;
}

function grid(text: string): [number, number] {
  const match = /^(\d+)x(\d+)$/i.exec(text);
  const nx = match ? Number(match[1]) : NaN;
  const ny = match ? Number(match[2]) : NaN;
  const powerOfTwo = (n: number) => Number.isInteger(n) && n >= 8 && (n & (n - 1)) === 0;
  if (!powerOfTwo(nx) || !powerOfTwo(ny)) {
    throw new InvalidArgumentError('expected NxM with powers of two >= 8, e.g. 256x256');
  }
  return [nx, ny];
}

function shellQuote(text: string): string {
  return /^[\w./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export function readCommands(out: string): string[] {
  // Paths inside Python string literals: JSON quoting is valid Python.
  const fields = JSON.stringify(`${out}/fields/**/*.parquet`);
  const diagnostics = JSON.stringify(`${out}/diagnostics`);
  return [
    `python3 -c ${shellQuote(`import duckdb; duckdb.sql("SELECT step, time, count(*) AS cells, avg(vx*vx+vy*vy)/2 AS energy, max(p) AS p_max FROM read_parquet(${fields.replace(/"/g, "'")}, hive_partitioning=true) GROUP BY ALL ORDER BY step").show()`)}`,
    `python3 -c ${shellQuote(`import pyarrow.dataset as ds; print(ds.dataset(${diagnostics}, format="parquet", partitioning="hive").to_table().sort_by("step").to_pandas())`)}`,
    `python3 -c ${shellQuote(`import polars as pl; print(pl.read_parquet(${fields}, hive_partitioning=True).group_by("step").agg(pl.col("vorticity").abs().max()).sort("step"))`)}`,
  ];
}

function printSummary(result: DemoResult): void {
  const { stats } = result;
  const line = (label: string, value: string) => console.log(`  ${label.padEnd(14)}${value}`);
  const perStream = Object.entries(stats.streams)
    .map(([name, s]) => `${name} ${s.framesCommitted}`)
    .join(', ');
  console.log('');
  console.log(`simingest demo: ${result.steps} steps of 2D Navier–Stokes (Taylor–Green vortex) into ${result.out}`);
  line('frames', `${stats.framesCommitted} committed (${perStream}), ${stats.framesDropped} dropped, ${stats.framesRejected} rejected`);
  line('bytes in', formatBytes(stats.bytesIn));
  line('on disk', `${formatBytes(stats.bytesWritten)} in ${stats.filesCommitted} files` +
    (result.compressionRatio ? ` (compression ${result.compressionRatio.toFixed(2)}x)` : ''));
  line('time', `${result.seconds.toFixed(2)} s, ${(stats.bytesIn / 2 ** 20 / result.seconds).toFixed(1)} MB/s ingested`);
  line('solver cost', `${(result.ingestSeconds * 1e3).toFixed(0)} ms in ingest() calls ` +
    `(${((100 * result.ingestSeconds) / result.seconds).toFixed(1)} % of the run; the rest is the solver)`);
  line('memory peak', `${formatBytes(stats.memoryPeak)} of ${formatBytes(stats.memoryLimit)}`);
  line('energy', `${result.energy.initial.toPrecision(6)} -> ${result.energy.final.toPrecision(6)} at t = ${result.energy.finalTime.toPrecision(4)}`);
  console.log('');
  console.log('Read it back:');
  for (const command of readCommands(result.out)) console.log(`  ${command}`);
  console.log(`  npx simingest inspect ${shellQuote(result.out)}`);
}

// One line per diagnostics frame received through the subscription (--live).
function printLive(frame: SubscribedFrame): void {
  const value = (name: string) => Number(frame.columns[name]).toPrecision(6);
  const gap = frame.droppedBefore > 0 ? ` (${frame.droppedBefore} frames dropped before)` : '';
  console.log(`live step ${frame.step} t=${frame.time.toPrecision(4)} energy=${value('energy')} ` +
    `enstrophy=${value('enstrophy')} maxVelocity=${value('maxVelocity')}${gap}`);
}

async function demoWithService(options: {
  steps: number; grid: [number, number]; out: string; viscosity: number; perturbation: number;
  partitionSteps: number; memoryLimit: number; workers?: number; port: number; stepMs: number;
}): Promise<void> {
  // Loaded here: the service's dependencies are not needed by the plain demo.
  const { serveDemo } = require('./server/demo_serve.js') as typeof import('./server/demo_serve.js');
  const { handle, solving } = await serveDemo({
    out: options.out, steps: options.steps, nx: options.grid[0], ny: options.grid[1], viscosity: options.viscosity,
    perturbation: options.perturbation, partitionSteps: options.partitionSteps, memoryLimit: options.memoryLimit * 2 ** 20,
    ...(options.workers !== undefined ? { workers: options.workers } : {}), port: options.port, grpcPort: null, stepMs: options.stepMs,
  });
  closeOnSignals(handle);
  console.error(`simingest demo: watch it at ${handle.address().http.url}/ (Ctrl-C stops the service)`);
  await solving;
  console.error(`simingest demo: ${options.steps} steps ingested into ${options.out}; still serving`);
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('simingest')
    .description('In-situ ingestion of simulation arrays into time-partitioned Parquet datasets')
    .version(nativeVersion());

  program
    .command('demo')
    .description('run a built-in 2D Navier–Stokes solver and ingest its fields and diagnostics every step')
    .option('--steps <n>', 'time steps to run', positiveInteger, 200)
    .option('--grid <NxM>', 'grid points in x and y (powers of two)', grid, [256, 256] as [number, number])
    .option('--out <dir>', 'dataset directory (an earlier demo dataset there is replaced)', 'simingest-demo')
    .option('--viscosity <nu>', 'kinematic viscosity', nonNegativeNumber, 0.002)
    .option('--perturbation <eps>', 'amplitude of the deterministic perturbation of the vortex', nonNegativeNumber, 0.1)
    .option('--partition-steps <n>', 'steps per hive partition', positiveInteger, 50)
    .option('--memory-limit <MiB>', 'engine memory budget in MiB', positiveInteger, 64)
    .option('--workers <n>', 'engine worker threads', positiveInteger)
    .option('--no-progress', 'do not draw the progress bar')
    .option('--live', 'route diagnostics to the realtime path too and print each diagnostics frame as it arrives through a subscription')
    .option('--serve', 'run the service too (docs/SERVER.md) and watch the run on its dashboard; keeps serving after the last step')
    .option('--port <n>', 'with --serve: the dashboard and REST port', port, 7070)
    .option('--step-ms <n>', 'with --serve: at least this many milliseconds per step, to watch it evolve', nonNegativeNumber, 50)
    .action(async (options: {
      steps: number; grid: [number, number]; out: string; viscosity: number; perturbation: number;
      partitionSteps: number; memoryLimit: number; workers?: number; progress: boolean;
      serve?: boolean; port: number; stepMs: number; live?: boolean;
    }) => {
      if (options.serve) return demoWithService(options);
      const progress = options.progress && process.stderr.isTTY ? new DemoProgress(options.steps) : null;
      let result: DemoResult;
      try {
        result = await runDemo({
          out: options.out,
          steps: options.steps,
          nx: options.grid[0],
          ny: options.grid[1],
          viscosity: options.viscosity,
          perturbation: options.perturbation,
          partitionSteps: options.partitionSteps,
          memoryLimit: options.memoryLimit * 2 ** 20,
          ...(options.workers !== undefined ? { workers: options.workers } : {}),
          onStep: (step, stats, seconds, ratio) => progress?.update({ step, stats, seconds, ratio }),
          ...(options.live ? { onLive: printLive } : {}),
        });
        progress?.finish({ step: result.steps, stats: result.stats, seconds: result.seconds, ratio: result.compressionRatio });
      } finally {
        progress?.stop();
      }
      printSummary(result);
    });

  program
    .command('inspect')
    .description('summarise a dataset: streams, schemas, grids, partitions, ranges, rows, bytes, compression, column ranges, Parquet schema')
    .argument('<dataset>', 'dataset directory')
    .option('--json', 'print the summary as JSON')
    .option('--files', 'also list every committed file')
    .action(async (dataset: string, options: { json?: boolean; files?: boolean }) => {
      const summary = await inspectDataset(dataset);
      if (options.json) {
        console.log(JSON.stringify(summary, null, 2));
        return;
      }
      console.log(formatSummary(summary));
      if (options.files) console.log('\n' + formatFileList(summary));
    });

  program
    .command('verify')
    .description('check every byte of a dataset (manifest copies, footers, whole-file CRC-32C); exit status 2 if anything fails')
    .argument('<dataset>', 'dataset directory')
    .option('--json', 'print the report as JSON')
    .action(async (dataset: string, options: { json?: boolean }) => {
      const report = await verifyDataset(dataset);
      console.log(options.json ? JSON.stringify(report, null, 2) : formatVerifyReport(report));
      if (!report.ok) process.exitCode = 2;
    });
  addQueryCommands(program);
  addServeCommand(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof SimingestError) {
      console.error(`simingest: ${error.message} (${error.code})`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
