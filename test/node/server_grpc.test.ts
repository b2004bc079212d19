// The gRPC API (proto/simingest/v1/simingest.proto) with @grpc/grpc-js as a
// client, and with Python's grpcio from stubs generated from the shipped
// .proto: frames in as little-endian bytes, read back through Query (Arrow
// IPC, read by apache-arrow and pyarrow) and by DuckDB from the files.
import * as grpc from '@grpc/grpc-js';
import { tableFromIPC } from 'apache-arrow';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { query, readStream } from './helpers';
import { bearerMetadata, bytesOf as bytes, ingestClient, PROTO, ROOT, startServer } from './server_support';

const TOKEN = 'grpc-token-0123456789abcdef';

type Callback<T> = (error: grpc.ServiceError | null, value: T) => void;
interface IngestClient extends grpc.Client {
  StreamData(metadata: grpc.Metadata, callback: Callback<{ frames: string; bytes: string }>): grpc.ClientWritableStream<unknown>;
  BatchIngest(request: unknown, metadata: grpc.Metadata, callback: Callback<{ results: { ok: boolean; code: string; message: string }[]; accepted: string; rejected: string }>): void;
  GetStatus(request: unknown, metadata: grpc.Metadata, callback: Callback<{ streams: Record<string, { frames_accepted: string }>; stats_json: string; memory_limit: string }>): void;
  Flush(request: unknown, metadata: grpc.Metadata, callback: Callback<unknown>): void;
  Query(request: unknown, metadata: grpc.Metadata): grpc.ClientReadableStream<{ data: Buffer }>;
}

const client = (target: string) => ingestClient<IngestClient>(target);
const auth = (token = TOKEN) => bearerMetadata(token);
function fieldsFrame(step: number) {
  return {
    stream: 'fields', step: String(step), time: step / 4,
    columns: [
      { name: 'vx', dtype: 'float64', data: bytes(Float64Array.from([1, 2, 3, 4], (v) => v * step + 0.1)) },
      { name: 'p', dtype: 'float32', data: bytes(new Float32Array([step, -step, 0.5, 1e-40])) },
      { name: 'id', dtype: 'int64', data: bytes(new BigInt64Array([BigInt(step), 2n ** 62n, -1n, 0n])) },
    ],
  };
}

const call = <T>(fn: (cb: Callback<T>) => void) => new Promise<T>((resolve, reject) => fn((e, v) => (e ? reject(e) : resolve(v))));

test('StreamData, BatchIngest, GetStatus, Flush and Query from a grpc-js client', async (t) => {
  const { handle, dataset } = await startServer(t, { grpcPort: 0, token: TOKEN });
  const c = client(handle.address().grpc!.target);
  t.after(() => c.close());

  const summary = await call<{ frames: string; bytes: string }>((cb) => {
    const stream = c.StreamData(auth(), cb);
    for (let step = 0; step < 5; step += 1) stream.write(fieldsFrame(step));
    stream.end();
  });
  assert.deepEqual(summary, { frames: '5', bytes: String(5 * (32 + 16 + 32)) });

  const batch = await call<{ results: { ok: boolean; code: string; message: string }[]; accepted: string; rejected: string }>((cb) => c.BatchIngest({
    frames: [
      { stream: 'diag', step: '1', time: 1, columns: [{ name: 'energy', dtype: 'float64', data: bytes(new Float64Array([0.5])) }, { name: 'count', dtype: 'uint16', data: bytes(new Uint16Array([9])) }] },
      { stream: 'diag', step: '2', time: 2, columns: [{ name: 'energy', dtype: 'float64', data: Buffer.alloc(7) }] },
      { stream: 'nope', step: '2', time: 2, columns: [] },
      { stream: 'diag', step: '3', time: 3, columns: [{ name: 'energy', dtype: 'float64', data: bytes(new Float64Array([1.5])), compression: 'COMPRESSION_ZSTD' }, { name: 'count', dtype: 'uint16', data: bytes(new Uint16Array([1])) }] },
    ],
  }, auth(), cb));
  assert.equal(batch.accepted, '1');
  assert.equal(batch.rejected, '3');
  assert.deepEqual(batch.results.map((r) => [r.ok, r.code]), [[true, ''], [false, 'ERR_LENGTH_MISMATCH'], [false, 'ERR_UNKNOWN_STREAM'], [false, 'ERR_INVALID_ARGUMENT']]);
  assert.match(batch.results[1]!.message, /7 bytes is not a whole number of float64/);
  assert.match(batch.results[3]!.message, /zstd compression is unsupported/);

  const status = await call<{ streams: Record<string, { frames_accepted: string }>; stats_json: string; memory_limit: string }>((cb) => c.GetStatus({}, auth(), cb));
  assert.equal(status.streams.fields!.frames_accepted, '5');
  assert.equal(status.streams.diag!.frames_accepted, '1');
  assert.equal(Number(status.memory_limit), handle.ingestor.stats().memoryLimit);
  assert.equal(JSON.parse(status.stats_json).streams.fields.framesAccepted, 5);

  const chunks: Buffer[] = [];
  const query = c.Query({ stream: 'fields', step_from: '1', step_to: '3', columns: ['vx', 'id'] }, auth());
  for await (const chunk of query) chunks.push((chunk as { data: Buffer }).data);
  const table = tableFromIPC(Buffer.concat(chunks));
  assert.deepEqual(table.schema.fields.map((f) => f.name), ['step', 'time', 'vx', 'id']);
  assert.deepEqual([...table.getChild('step')!.toArray()], [1n, 1n, 1n, 1n, 2n, 2n, 2n, 2n, 3n, 3n, 3n, 3n]);
  assert.deepEqual([...table.getChild('vx')!.toArray()].slice(4, 8), [2.1, 4.1, 6.1, 8.1]);

  await call((cb) => c.Flush({}, auth(), cb));
  const stored = await readStream(dataset, 'fields', 'step, p, id');
  assert.equal(stored.step!.length, 20);
  assert.equal(stored.p![3], Math.fround(1e-40));
  assert.equal(stored.id![1], 2n ** 62n);
});

test('gRPC errors carry the engine code: unknown stream, bad token, a failing frame ends StreamData', async (t) => {
  const { handle } = await startServer(t, { grpcPort: 0, token: TOKEN });
  const c = client(handle.address().grpc!.target);
  t.after(() => c.close());
  await assert.rejects(call((cb) => c.GetStatus({}, auth('wrong-token-0123456789'), cb)),
    (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED);
  await assert.rejects(call((cb) => c.GetStatus({}, new grpc.Metadata(), cb)),
    (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED);

  const error = await call((cb) => {
    const stream = c.StreamData(auth(), cb);
    stream.write(fieldsFrame(0));
    stream.write({ ...fieldsFrame(1), columns: fieldsFrame(1).columns.slice(0, 2) });
    stream.write(fieldsFrame(2));
    stream.end();
  }).then(() => null, (e: grpc.ServiceError) => e);
  assert.equal(error?.code, grpc.status.INVALID_ARGUMENT);
  assert.match(error!.details, /id/);
  assert.deepEqual(error!.metadata.get('simingest-code'), ['ERR_MISSING_COLUMN']);
  assert.deepEqual(error!.metadata.get('simingest-frames-accepted'), ['1']);
  assert.equal(handle.ingestor.stats().streams.fields!.framesAccepted, 1);

  const unknown = await new Promise<grpc.ServiceError>((resolve) => {
    const q = c.Query({ stream: 'nope' }, auth());
    q.on('data', () => undefined);
    q.on('error', resolve);
  });
  assert.equal(unknown.code, grpc.status.NOT_FOUND);
  assert.match(unknown.details, /nope/);
});

test('a Python grpcio client with stubs generated from the shipped .proto ingests and reads back', async (t) => {
  const { handle, dataset } = await startServer(t, { grpcPort: 0, token: TOKEN });
  const script = path.join(ROOT, 'test', 'node', 'fixtures', 'grpc_client.py');
  const { stdout } = await promisify(execFile)('python3', [script, PROTO, handle.address().grpc!.target, TOKEN], { timeout: 60_000 });
  const report = JSON.parse(stdout) as { frames: number; status_fields: number; query_rows: number; query_vx: number[] };
  assert.equal(report.frames, 3);
  assert.equal(report.status_fields, 3);
  assert.equal(report.query_rows, 12);
  const stored = await readStream(dataset, 'fields', 'step, vx');
  assert.deepEqual(stored.vx, report.query_vx);
  assert.deepEqual(stored.vx!.slice(0, 4), [0.5, 1.5, 2.5, 3.5]);
});

test('StreamData under a full memory budget: the client is slowed, every frame arrives, memory stays in budget', async (t) => {
  const { handle, dataset } = await startServer(t, { grpcPort: 0 });
  const c = client(handle.address().grpc!.target);
  t.after(() => c.close());
  // 48 frames of 512 KiB each (24 MiB) through a 16 MiB budget.
  const rows = 65536;
  const frames = 48;
  const summary = await call<{ frames: string; bytes: string }>((cb) => {
    const stream = c.StreamData(new grpc.Metadata(), cb);
    let step = 0;
    const writeMore = () => {
      while (step < frames) {
        const energy = new Float64Array(rows).fill(step);
        const ok = stream.write({ stream: 'diag', step: String(step), time: step, columns: [
          { name: 'energy', dtype: 'float64', data: bytes(energy) }, { name: 'count', dtype: 'uint16', data: Buffer.alloc(rows * 2) }] });
        step += 1;
        if (!ok) return void stream.once('drain', writeMore); // the client honours gRPC flow control
      }
      stream.end();
    };
    writeMore();
  });
  assert.equal(summary.frames, String(frames));
  await handle.ingestor.flush();
  const stats = handle.ingestor.stats();
  assert.ok(stats.memoryPeak <= stats.memoryLimit, `${stats.memoryPeak} <= ${stats.memoryLimit}`);
  assert.equal(stats.streams.diag!.framesCommitted, frames);
  const glob = path.join(dataset, 'diag', '**', '*.parquet').replace(/'/g, "''");
  const stored = await query(`SELECT count(*) AS n, count(DISTINCT step) AS steps, sum(energy) AS total FROM read_parquet('${glob}', hive_partitioning = true)`);
  assert.deepEqual(stored, { n: [BigInt(rows * frames)], steps: [BigInt(frames)], total: [rows * (frames * (frames - 1)) / 2] });
});

test('a gRPC message over the limit is refused with RESOURCE_EXHAUSTED and nothing is ingested', async (t) => {
  const { handle } = await startServer(t, { grpcPort: 0, limits: { grpcMessageBytes: 64 * 1024 } });
  const c = client(handle.address().grpc!.target);
  t.after(() => c.close());
  const big = { stream: 'diag', step: '1', time: 0, columns: [{ name: 'energy', dtype: 'float64', data: Buffer.alloc(128 * 1024) }, { name: 'count', dtype: 'uint16', data: Buffer.alloc(32 * 1024) }] };
  await assert.rejects(call((cb) => c.BatchIngest({ frames: [big] }, new grpc.Metadata(), cb)),
    (e: grpc.ServiceError) => e.code === grpc.status.RESOURCE_EXHAUSTED);
  assert.equal(handle.ingestor.stats().framesAccepted, 0);
  // The server goes on.
  const status = await call<{ totals: { frames_accepted: string } }>((cb) => c.GetStatus({}, new grpc.Metadata(), cb as never));
  assert.equal(status.totals.frames_accepted, '0');
});

test('a wrong dtype name in a gRPC frame is refused with the engine code, naming it, and nothing of it is ingested', async (t) => {
  const { handle } = await startServer(t, { grpcPort: 0, token: TOKEN });
  const c = client(handle.address().grpc!.target);
  t.after(() => c.close());
  const batch = await call<{ results: { ok: boolean; code: string; message: string }[]; accepted: string; rejected: string }>((cb) => c.BatchIngest({
    frames: [{ stream: 'diag', step: '1', time: 1, columns: [{ name: 'energy', dtype: 'float128', data: Buffer.alloc(16) }, { name: 'count', dtype: 'uint16', data: bytes(new Uint16Array([9])) }] }],
  }, auth(), cb));
  assert.equal(batch.accepted, '0');
  assert.deepEqual(batch.results.map((r) => [r.ok, r.code]), [[false, 'ERR_INVALID_ARGUMENT']]);
  assert.match(batch.results[0]!.message, /unknown dtype "float128"/);
  assert.equal(handle.ingestor.stats().streams.diag!.framesAccepted, 0);
});
