// `simingest query`, `head` and `tail`: read a dataset's committed frames
// through a read-only Dataset (no lock: safe while an ingestor writes) and
// print them as a table, CSV, JSON Lines, an Arrow IPC stream or .npy files.
import { Command, InvalidArgumentError, Option } from 'commander';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { Dataset, querySourceOf } from './dataset.js';
import { SimingestError } from './errors.js';
import { inspectDataset } from './inspect.js';
import { npyBytes } from './npy.js';
import { arrayClassOf, nativeSpec, QueryReader, type QueryOptions, type RawBatch, type ResultArray } from './query.js';
import { loadArrow, readTable } from './query_arrow.js';
import { readGrid } from './query_grid.js';
import { TextWriter, type TextFormat } from './query_text.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const FORMATS = ['table', 'csv', 'json', 'arrow', 'npy'] as const;
type Format = (typeof FORMATS)[number];

function int64(text: string, what: string): bigint {
  if (!/^-?\d+$/.test(text.trim())) throw new InvalidArgumentError(`${what}: expected an integer, got "${text}"`);
  const value = BigInt(text.trim());
  if (value < INT64_MIN || value > INT64_MAX) throw new InvalidArgumentError(`${what}: ${text} does not fit int64`);
  return value;
}

/** "A:B", "A:" or ":B" (an open end reaches the end of int64). */
export function stepRange(text: string): [bigint, bigint] {
  const parts = text.split(':');
  if (parts.length !== 2) throw new InvalidArgumentError('expected A:B (either end may be left out)');
  return [parts[0] === '' ? INT64_MIN : int64(parts[0]!, 'from'), parts[1] === '' ? INT64_MAX : int64(parts[1]!, 'to')];
}

/** "T0:T1", "T0:" or ":T1" (an open end is the largest finite double). */
export function timeRange(text: string): [number, number] {
  const parts = text.split(':');
  const number = (part: string, open: number) => {
    if (part.trim() === '') return open;
    const value = Number(part);
    if (Number.isNaN(value)) throw new InvalidArgumentError(`expected a number, got "${part}"`);
    return value;
  };
  if (parts.length !== 2) throw new InvalidArgumentError('expected T0:T1 (either end may be left out)');
  return [number(parts[0]!, -Number.MAX_VALUE), number(parts[1]!, Number.MAX_VALUE)];
}

export function columnList(text: string): string[] {
  return text.split(',').map((c) => c.trim()).filter((c) => c.length > 0);
}

export function positive(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError('expected a positive integer');
  return value;
}

// Writes with the stream's backpressure; a reader that went away (EPIPE: `| head`) ends the output quietly.
async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (chunk.length === 0 || out.destroyed) return;
  if (!out.write(chunk)) await new Promise<void>((resolve) => { out.once('drain', resolve); out.once('close', resolve); });
}

interface Output {
  stream: Writable;
  done(): Promise<void>;
}

function openOutput(file: string | undefined): Output {
  if (file === undefined) {
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
    return { stream: process.stdout, done: async () => undefined };
  }
  const stream = createWriteStream(file);
  return {
    stream,
    done: () => new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(resolve);
    }),
  };
}

function textFormat(format: Format, command: string): TextFormat {
  if (format === 'table' || format === 'csv' || format === 'json') return format;
  throw new SimingestError(`${command}: --format ${format} is only for simingest query`, 'ERR_INVALID_ARGUMENT');
}

/** Prints frames as text; returns the largest step printed (null if none). */
async function printFrames(out: Writable, writer: TextWriter, frames: Iterable<RawBatch>): Promise<bigint | null> {
  let last: bigint | null = null;
  for (const frame of frames) {
    await write(out, writer.batch(frame));
    const steps = frame.columns.get('step') as BigInt64Array;
    for (const step of steps) if (last === null || step > last) last = step;
  }
  return last;
}

async function runQueryCommand(dataset: string, stream: string, options: QueryOptions & { format: Format; out?: string }) {
  const ds = await Dataset.open(dataset);
  try {
    const source = querySourceOf(ds);
    if (options.format === 'npy') {
      if (options.out === undefined) throw new SimingestError('query --format npy needs --out DIR (one .npy per column)', 'ERR_INVALID_ARGUMENT');
      const grid = ds.schema(stream).grid ?? [];
      mkdirSync(options.out, { recursive: true });
      if (grid.length > 0) {
        const result = await readGrid(new QueryReader(source.open(stream, nativeSpec(options, true))), grid);
        writeFileSync(path.join(options.out, 'step.npy'), npyBytes(result.step, [result.step.length]));
        writeFileSync(path.join(options.out, 'time.npy'), npyBytes(result.time, [result.time.length]));
        for (const [name, array] of Object.entries(result.columns)) {
          writeFileSync(path.join(options.out, `${name}.npy`), npyBytes(array, result.shape));
        }
      } else {
        const reader = new QueryReader(source.open(stream, nativeSpec(options, false)));
        const parts = new Map<string, ResultArray[]>(reader.fields.map((f) => [f.name, []]));
        for await (const batch of reader) for (const [name, array] of batch.columns) parts.get(name)!.push(array);
        for (const field of reader.fields) {
          const chunks = parts.get(field.name)!;
          const all = new (arrayClassOf(field.format))(chunks.reduce((n, c) => n + c.length, 0));
          let at = 0;
          for (const chunk of chunks) {
            (all.set as (a: ResultArray, o: number) => void)(chunk, at);
            at += chunk.length;
          }
          writeFileSync(path.join(options.out, `${field.name}.npy`), npyBytes(all, [all.length]));
        }
      }
      return;
    }
    if (options.format === 'arrow') loadArrow();
    const reader = new QueryReader(source.open(stream, nativeSpec(options, false)));
    const output = openOutput(options.out);
    if (options.format === 'arrow') {
      const table = await readTable(reader);
      await write(output.stream, Buffer.from(loadArrow().tableToIPC(table, 'stream')));
    } else {
      const writer = new TextWriter(reader.fields, options.format);
      await write(output.stream, writer.header());
      for await (const batch of reader) await write(output.stream, writer.batch(batch));
    }
    await output.done();
  } finally {
    ds.close();
  }
}

async function runHead(dataset: string, stream: string, options: { n: number; format: Format; columns?: string[] }) {
  const ds = await Dataset.open(dataset);
  try {
    const spec = nativeSpec(options.columns ? { columns: options.columns } : {}, true);
    const reader = new QueryReader(querySourceOf(ds).open(stream, spec));
    const writer = new TextWriter(reader.fields, textFormat(options.format, 'head'));
    await write(process.stdout, writer.header());
    let frames = 0;
    for await (const frame of reader) {
      await write(process.stdout, writer.batch(frame));
      if (++frames >= options.n) break; // releases the stream
    }
  } finally {
    ds.close();
  }
}

// The last `n` frames by step: a window of steps below the largest, grown
// until it holds n frames or reaches the smallest step, so a long dataset is
// not read whole.
async function lastFrames(ds: Dataset, stream: string, n: number, columns: string[] | undefined) {
  const summary = (await inspectDataset(ds.path)).streams.find((s) => s.name === stream);
  const source = querySourceOf(ds);
  if (summary === undefined || summary.steps === null) {
    // Nothing committed yet: only the columns are wanted (a stream reads nothing before its first next()).
    const empty = new QueryReader(source.open(stream, nativeSpec({ columns }, true)));
    empty.close();
    return { fields: empty.fields, frames: [] as RawBatch[] };
  }
  const max = BigInt(summary.steps.max);
  const min = BigInt(summary.steps.min);
  const spacing = summary.frames > 1 ? Math.max(1, Math.ceil((summary.steps.max - summary.steps.min) / (summary.frames - 1))) : 1;
  let window = BigInt(n * spacing);
  for (;;) {
    const from = max - window + 1n > min ? max - window + 1n : min;
    const reader = new QueryReader(source.open(stream, nativeSpec({ columns, steps: [from, INT64_MAX] }, true)));
    const frames: RawBatch[] = [];
    for await (const frame of reader) {
      frames.push(frame);
      if (frames.length > n) frames.shift();
    }
    if (frames.length >= n || from === min) return { fields: reader.fields, frames };
    window *= 2n;
  }
}

async function runTail(
  dataset: string,
  stream: string,
  options: { n: number; format: Format; columns?: string[]; follow?: boolean; interval: number },
) {
  const ds = await Dataset.open(dataset);
  let stop = false;
  let wake: (() => void) | null = null;
  const onSigint = () => {
    stop = true;
    wake?.();
  };
  try {
    ds.schema(stream); // an unknown stream fails here, by name
    const { fields, frames } = await lastFrames(ds, stream, options.n, options.columns);
    const writer = new TextWriter(fields, textFormat(options.format, 'tail'));
    await write(process.stdout, writer.header());
    let last = await printFrames(process.stdout, writer, frames);
    if (!options.follow) return;
    process.on('SIGINT', onSigint);
    while (!stop) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, options.interval);
      });
      clearTimeout(timer);
      if (stop) break;
      const from = last === null ? INT64_MIN : last + 1n;
      if (from > INT64_MAX) continue;
      const spec = nativeSpec({ columns: options.columns, steps: [from, INT64_MAX] }, true);
      const reader = new QueryReader(querySourceOf(ds).open(stream, spec));
      const fresh: RawBatch[] = [];
      for await (const frame of reader) fresh.push(frame);
      last = (await printFrames(process.stdout, writer, fresh)) ?? last;
    }
  } finally {
    process.off('SIGINT', onSigint);
    ds.close();
  }
}

const formatOption = (fallback: Format) =>
  new Option('--format <format>', 'output format').choices(FORMATS as unknown as string[]).default(fallback);

export function addQueryCommands(program: Command): void {
  program
    .command('query')
    .description("print a stream's committed frames selected by steps, time and stride")
    .argument('<dataset>', 'dataset directory')
    .argument('<stream>', 'stream name')
    .option('--steps <A:B>', 'only steps A..B (inclusive; either end may be left out)', stepRange)
    .option('--time <T0:T1>', 'only times T0..T1 (inclusive; either end may be left out)', timeRange)
    .option('--columns <a,b>', 'columns beside step and time (default: all)', columnList)
    .option('--every <n>', 'only every n-th step, counted from the first of --steps (else from 0)', positive)
    .addOption(formatOption('table'))
    .option('--out <file>', 'write to this file (for npy: a directory) instead of stdout')
    .action((dataset: string, stream: string, options: QueryOptions & { format: Format; out?: string }) =>
      runQueryCommand(dataset, stream, options));

  program
    .command('head')
    .description('print the first N frames of a stream')
    .argument('<dataset>', 'dataset directory')
    .argument('<stream>', 'stream name')
    .option('-n <n>', 'frames', positive, 5)
    .option('--columns <a,b>', 'columns beside step and time (default: all)', columnList)
    .addOption(formatOption('table'))
    .action((dataset: string, stream: string, options: { n: number; format: Format; columns?: string[] }) =>
      runHead(dataset, stream, options));

  program
    .command('tail')
    .description('print the last N frames of a stream; --follow prints new frames as they are committed')
    .argument('<dataset>', 'dataset directory')
    .argument('<stream>', 'stream name')
    .option('-n <n>', 'frames', positive, 5)
    .option('--columns <a,b>', 'columns beside step and time (default: all)', columnList)
    .option('-f, --follow', 'keep polling for newly committed frames until Ctrl-C')
    .option('--interval <ms>', 'poll interval of --follow in milliseconds', positive, 500)
    .addOption(formatOption('table'))
    .action(
      (dataset: string, stream: string, options: { n: number; format: Format; columns?: string[]; follow?: boolean; interval: number }) =>
        runTail(dataset, stream, options),
    );
}
