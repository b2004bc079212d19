// Issue 13: Dataset.open(path).subscribe(stream) follows the realtime log a
// writer in ANOTHER process appends to (fixtures/tail_writer.ts): every frame
// exactly once, in order, bit-exact, across the writer's two segments;
// without fromStep it starts at the end of the log; a batch stream is refused
// with ERR_INVALID_ARGUMENT; a damaged block ends the loop with ERR_CORRUPT
// naming the file; after the writer is killed with SIGKILL the loop has
// delivered exactly the records avsc (a reader simingest did not write) reads
// from the log, bit for bit.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as avro from 'avsc';
import { Dataset, Ingestor, SimingestError, type SubscribedFrame } from 'simingest';
import { TAIL_CONFIG, tailFrame } from './fixtures/tail_writer';
import { scratchDir } from './helpers';

const WRITER = path.join(__dirname, 'fixtures', 'tail_writer.js');

function runWriter(dir: string, frames: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [WRITER, dir, String(frames)], { timeout: 120_000 }, (error, _out, stderr) =>
      error === null ? resolve() : reject(new Error(`writer failed: ${String(error)}\n${stderr}`)),
    );
  });
}

function bytesOf(value: unknown): string {
  if (typeof value === 'number') return Buffer.from(new Float64Array([value]).buffer).toString('hex');
  const view = value as ArrayBufferView;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('hex');
}

function expectFrame(got: SubscribedFrame, step: number): void {
  const want = tailFrame(step);
  assert.equal(got.step, step);
  assert.equal(got.stream, 'diag');
  assert.equal(got.droppedBefore, 0);
  assert.equal(bytesOf(got.time), bytesOf(want.time));
  for (const name of ['energy', 'cells', 'probe'] as const) {
    assert.equal(bytesOf(got.columns[name]), bytesOf(want.columns[name]), `step ${step} column ${name}`);
  }
}

// An empty dataset with the stream's log directory, so Dataset.open() has a manifest.
async function createDataset(dir: string): Promise<void> {
  const ingestor = await Ingestor.open(dir, TAIL_CONFIG);
  await ingestor.close();
}

test('a writer in another process: every frame once, in order, bit-exact, across segments', async (t) => {
  const dir = scratchDir(t);
  await createDataset(dir);
  const dataset = await Dataset.open(dir);
  const frames = dataset.subscribe('diag', { fromStep: 0, maxBuffered: 100_000 });
  const TOTAL = 400;
  const writing = runWriter(dir, TOTAL);
  let step = 0;
  for await (const got of frames) {
    expectFrame(got, step);
    step += 1;
    if (step === TOTAL) break; // unsubscribes
  }
  await writing;
  assert.equal(step, TOTAL);
  dataset.close();
});

test('without fromStep the subscription starts at the end of the log', async (t) => {
  const dir = scratchDir(t);
  await runWriter(dir, 10); // frames 0..9 are history
  const dataset = await Dataset.open(dir);
  const frames = dataset.subscribe('diag');
  dataset.close(); // the subscription outlives the handle
  const ingestor = await Ingestor.open(dir, TAIL_CONFIG);
  for (let step = 10; step < 15; step++) await ingestor.ingest('diag', tailFrame(step));
  await ingestor.flush();
  const seen: number[] = [];
  for await (const got of frames) {
    expectFrame(got, got.step);
    seen.push(got.step);
    if (seen.length === 5) break;
  }
  assert.deepEqual(seen, [10, 11, 12, 13, 14]);
  await ingestor.close();
});

test('a batch stream is refused; a damaged block ends the loop with ERR_CORRUPT naming the file', async (t) => {
  const dir = scratchDir(t);
  await runWriter(dir, 4);
  const dataset = await Dataset.open(dir);
  assert.throws(() => dataset.subscribe('bulk'), (error: SimingestError) => {
    assert.equal(error.code, 'ERR_INVALID_ARGUMENT');
    assert.match(error.message, /"bulk" has no realtime log/);
    return true;
  });
  const logDir = path.join(dir, '_realtime', 'diag');
  const last = path.join(logDir, readdirSync(logDir).sort().at(-1)!);
  const bytes = readFileSync(last);
  bytes[bytes.length - 1] ^= 0x01; // the last block's sync marker
  writeFileSync(last, bytes);
  const seen: number[] = [];
  await assert.rejects(
    async () => {
      for await (const got of dataset.subscribe('diag', { fromStep: 0 })) seen.push(got.step);
    },
    (error: SimingestError) => {
      assert.equal(error.code, 'ERR_CORRUPT');
      assert.ok(error.message.includes(last), error.message);
      return true;
    },
  );
  // The first segment whole; of the second, what came before its last block (one block or two).
  assert.deepEqual(seen.slice(0, 2), [0, 1]);
  assert.ok(seen.length <= 3, String(seen));
  dataset.close();
});

// Every record avsc decodes from `file`, up to a block a kill cut short.
function avscRecords(file: string): Promise<Record<string, unknown>[]> {
  return new Promise((resolve) => {
    const records: Record<string, unknown>[] = [];
    avro
      .createFileDecoder(file)
      .on('data', (record: Record<string, unknown>) => records.push({ ...record }))
      .on('error', () => resolve(records))
      .on('end', () => resolve(records));
  });
}

test('after kill -9 of the writer it has delivered what avsc reads from the log, bit for bit', async (t) => {
  const dir = scratchDir(t);
  await createDataset(dir);
  const dataset = await Dataset.open(dir);
  const frames = dataset.subscribe('diag', { fromStep: 0, maxBuffered: 1_000_000 })[Symbol.asyncIterator]();
  const child = spawn(process.execPath, [WRITER, dir, 'forever'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acknowledged = 0;
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      acknowledged += chunk.toString().split('\n').length - 1;
      if (acknowledged >= 150 && child.kill('SIGKILL')) resolve();
    });
  });
  await new Promise((resolve) => child.once('exit', resolve));
  const logDir = path.join(dir, '_realtime', 'diag');
  const records: Record<string, unknown>[] = [];
  for (const name of readdirSync(logDir).sort()) records.push(...(await avscRecords(path.join(logDir, name))));
  assert.ok(records.length > 0);
  for (const [i, record] of records.entries()) {
    const { value, done } = await frames.next();
    assert.equal(done, false);
    const got = value as SubscribedFrame;
    assert.equal(got.step, i);
    assert.equal(record.step, i);
    expectFrame(got, i);
    // avsc's values: numbers and plain arrays of them, compared through the dtypes.
    assert.equal(bytesOf(record.energy as number), bytesOf(got.columns.energy));
    assert.equal(bytesOf(Int32Array.from(record.cells as number[])), bytesOf(got.columns.cells));
    assert.equal(bytesOf(Float32Array.from(record.probe as number[])), bytesOf(got.columns.probe));
  }
  await frames.return?.();
  dataset.close();
});
