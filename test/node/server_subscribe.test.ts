// gRPC Subscribe (proto/simingest/v1/simingest.proto) from a grpc-js client:
// realtime frames arrive in order with their exact bytes, a client that stops
// reading loses the oldest frames (counted in dropped_before) without slowing
// ingest, cancelling ends the subscription, a batch stream is refused.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import type { Config } from 'simingest';
import { bearerMetadata, bytesOf as bytes, ingestClient, PROTO, ROOT, serverConfig, startServer } from './server_support';

const TOKEN = 'subscribe-token-0123456789';

interface Column { name: string; dtype: string; data: Buffer; compression: string }
interface FrameMessage { stream: string; step: string; time: number; columns: Column[]; dropped_before: string }
interface IngestClient extends grpc.Client {
  StreamData(metadata: grpc.Metadata, callback: (e: grpc.ServiceError | null, v: unknown) => void): grpc.ClientWritableStream<unknown>;
  Subscribe(request: { stream: string; from_step?: string }, metadata: grpc.Metadata): grpc.ClientReadableStream<FrameMessage>;
}

// `live` goes only to the realtime path; `diag` (from serverConfig) only to Parquet.
const config: Config = {
  ...serverConfig,
  streams: { ...serverConfig.streams, live: { columns: { u: 'float64', n: 'int64', e: 'float32' }, route: 'realtime' } },
};

const client = (target: string) => ingestClient<IngestClient>(target);
const auth = (token = TOKEN) => bearerMetadata(token);
const u = (step: number, rows: number) => Float64Array.from({ length: rows }, (_, i) => step * 1e6 + i + 0.125);
const n = (step: number) => new BigInt64Array([BigInt(step) - 2n ** 62n, 7n]);

/** Resolves with the subscription once the server says it is in place (response headers). */
function subscribed(c: IngestClient, request: { stream: string; from_step?: string }, metadata = auth()) {
  const call = c.Subscribe(request, metadata);
  const ready = new Promise<grpc.ClientReadableStream<FrameMessage>>((resolve, reject) => {
    call.once('metadata', () => resolve(call));
    call.once('error', reject);
  });
  return ready;
}

/** Reads frames until step `last`, then cancels (the client's own CANCELLED is expected). */
async function readUntil(call: grpc.ClientReadableStream<FrameMessage>, last: number, each: (frame: FrameMessage) => void): Promise<void> {
  try {
    for await (const frame of call) {
      each(frame);
      if (Number(frame.step) === last) {
        call.cancel();
        break;
      }
    }
  } catch (error) {
    if ((error as grpc.ServiceError).code !== grpc.status.CANCELLED) throw error;
  }
}

test('Subscribe delivers realtime frames in order with their exact bytes, from from_step', async (t) => {
  const { handle } = await startServer(t, { grpcPort: 0, token: TOKEN, config });
  const c = client(handle.address().grpc!.target);
  t.after(() => c.close());
  const call = await subscribed(c, { stream: 'live', from_step: '2' });

  // Steps 0..4 over gRPC StreamData, 5..7 in process with `e` as a scalar.
  await new Promise((resolve, reject) => {
    const stream = c.StreamData(auth(), (e, v) => (e ? reject(e) : resolve(v)));
    for (let step = 0; step < 5; step++) {
      stream.write({ stream: 'live', step: String(step), time: step / 8, columns: [
        { name: 'u', dtype: 'float64', data: bytes(u(step, 2)) },
        { name: 'n', dtype: 'int64', data: bytes(n(step)) },
        { name: 'e', dtype: 'float32', data: bytes(new Float32Array([step + 0.5, -0])) }] });
    }
    stream.end();
  });
  for (let step = 5; step < 8; step++) await handle.ingest('live', { step, time: step / 8, columns: { u: u(step, 2), n: n(step), e: step + 0.5 } });

  const seen: number[] = [];
  await readUntil(call, 7, (frame) => {
    const step = Number(frame.step);
    seen.push(step);
    assert.equal(frame.stream, 'live');
    assert.equal(frame.time, step / 8);
    assert.equal(frame.dropped_before, '0');
    assert.deepEqual(frame.columns.map((col: Column) => [col.name, col.dtype, col.compression]),
      [['u', 'float64', 'COMPRESSION_NONE'], ['n', 'int64', 'COMPRESSION_NONE'], ['e', 'float32', 'COMPRESSION_NONE']]);
    assert.deepEqual(frame.columns[0]!.data, bytes(u(step, 2)));
    assert.deepEqual(frame.columns[1]!.data, bytes(n(step)));
    // A scalar column (steps 5..7) crosses as one element of its dtype.
    assert.deepEqual(frame.columns[2]!.data, bytes(new Float32Array(step < 5 ? [step + 0.5, -0] : [step + 0.5])));
  });
  assert.deepEqual(seen, [2, 3, 4, 5, 6, 7]);
});

test('a client that stops reading loses the oldest frames; ingest goes on and the newest arrives', async (t) => {
  const subscribeFrames = 4;
  const { handle } = await startServer(t, { grpcPort: 0, config, limits: { subscribeFrames } });
  const c = client(handle.address().grpc!.target);
  t.after(() => c.close());
  const call = await subscribed(c, { stream: 'live' }, new grpc.Metadata());
  call.pause();
  // 128 frames of 128 KiB (16 MiB): far more than the HTTP/2 window, the
  // client's read buffer and the server's 4 frames hold together.
  const frames = 128;
  const rows = 16384;
  for (let step = 0; step < frames; step++) await handle.ingest('live', { step, time: step, columns: { u: u(step, rows), n: BigInt(step), e: 1 } });
  // Every ingest above resolved while the client read nothing: it never slowed ingest.

  const seen: number[] = [];
  let dropped = 0;
  await readUntil(call, frames - 1, (frame) => { // resumes reading
    const step = Number(frame.step);
    seen.push(step);
    dropped += Number(frame.dropped_before);
    assert.deepEqual(frame.columns[0]!.data, bytes(u(step, rows)));
  });
  assert.ok(seen.every((step, i) => i === 0 || step > seen[i - 1]!), `in order: ${seen.join(',')}`);
  assert.equal(seen.at(-1), frames - 1);
  assert.equal(seen.length + dropped, frames, 'every frame is delivered or counted as dropped');
  assert.ok(dropped > 0, `the server held back frames instead of growing: ${seen.length} delivered`);
});

test('cancelling ends the subscription; a batch stream, an unknown stream and a bad token are refused', async (t) => {
  // The server's request log line marks the end of each call (run() writes it after the handler returned).
  const ended: ((line: { method: string; status: string }) => void)[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => ended.shift()?.(JSON.parse(line)) });
  const { handle } = await startServer(t, { grpcPort: 0, token: TOKEN, config, logger });
  const c = client(handle.address().grpc!.target);
  t.after(() => c.close());

  const call = await subscribed(c, { stream: 'live' });
  assert.equal(handle.ingestor.stats().realtime?.subscriptions.subscribers, 1);
  await handle.ingest('live', { step: 1, time: 0, columns: { u: u(1, 2), n: n(1), e: 0 } });
  const [first] = await new Promise<FrameMessage[]>((resolve) => call.once('data', (f: FrameMessage) => resolve([f])));
  assert.equal(first!.step, '1');
  const line = new Promise<{ method: string; status: string }>((resolve) => ended.push(resolve));
  call.on('error', () => undefined); // the client sees its own CANCELLED
  call.cancel();
  assert.deepEqual(await line, { ...(await line), method: 'grpc Subscribe', status: 'CANCELLED' });
  assert.equal(handle.ingestor.stats().realtime?.subscriptions.subscribers, 0);
  await handle.ingest('live', { step: 2, time: 0, columns: { u: u(2, 2), n: n(2), e: 0 } });

  const refused = (request: { stream: string; from_step?: string }, metadata = auth()) => new Promise<grpc.ServiceError>((resolve) => {
    const s = c.Subscribe(request, metadata);
    s.on('data', () => assert.fail('no frame expected'));
    s.on('error', resolve);
  });
  const batch = await refused({ stream: 'diag' });
  assert.equal(batch.code, grpc.status.INVALID_ARGUMENT);
  assert.match(batch.details, /route is "batch"/);
  assert.deepEqual(batch.metadata.get('simingest-code'), ['ERR_INVALID_ARGUMENT']);
  const unknown = await refused({ stream: 'nope' });
  assert.equal(unknown.code, grpc.status.NOT_FOUND);
  assert.match(unknown.details, /nope/);
  const huge = await refused({ stream: 'live', from_step: String(2n ** 60n) });
  assert.equal(huge.code, grpc.status.INVALID_ARGUMENT);
  assert.match(huge.details, /fromStep/);
  assert.equal((await refused({ stream: 'live' }, auth('wrong-token-0123456789'))).code, grpc.status.UNAUTHENTICATED);
  assert.equal(handle.ingestor.stats().realtime?.subscriptions.subscribers, 0);

  // Closing the server ends an open subscription (it does not wait for the client to cancel).
  const open = await subscribed(c, { stream: 'live' });
  const finished = new Promise<void>((resolve, reject) => {
    open.on('data', () => undefined);
    open.on('end', resolve);
    open.on('error', reject);
  });
  await handle.close();
  await finished;
});

test('a Python grpcio subscriber with stubs from the shipped .proto reads the frames with their values', async (t) => {
  const { handle } = await startServer(t, { grpcPort: 0, token: TOKEN, config });
  const script = path.join(ROOT, 'test', 'node', 'fixtures', 'grpc_subscribe.py');
  const child = spawn('python3', [script, PROTO, handle.address().grpc!.target, TOKEN, 'live', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk; });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (stdout.startsWith('subscribed\n')) resolve();
    });
    void exited.then(() => reject(new Error(`the subscriber exited early: ${stderr}`)));
  });
  for (let step = 0; step < 4; step++) await handle.ingest('live', { step, time: step / 8, columns: { u: u(step, 2), n: n(step), e: step + 0.5 } });
  assert.equal(await exited, 0, stderr);
  const report = JSON.parse(stdout.split('\n').filter(Boolean).at(-1)!) as {
    frames: { step: number; time: number; dropped_before: number; columns: Record<string, (number | string)[]> }[]; cancelled: boolean;
  };
  assert.equal(report.cancelled, true);
  assert.deepEqual(report.frames, [0, 1, 2, 3].map((step) => ({
    step, time: step / 8, dropped_before: 0,
    columns: { u: [...u(step, 2)], n: [...n(step)].map(String), e: [Math.fround(step + 0.5)] },
  })));
  assert.equal(handle.ingestor.stats().realtime?.subscriptions.delivered, 4);
});
