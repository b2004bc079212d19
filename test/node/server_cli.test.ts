// `simingest serve` as a process: SIGTERM drains, flushes and exits 0 with
// every acknowledged frame committed; a second signal exits at once; an open
// bind without a token refuses to start.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { readStream, scratchDir } from './helpers';
import { serverConfig } from './server_support';

const root = path.resolve(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'simingest.js');

interface Served {
  child: ChildProcess;
  http: string;
  grpc: string;
  /** Resolves with the first log line whose msg is `msg`. */
  logged(msg: string): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

function start(t: { after(fn: () => void): void }, dataset: string, extra: string[] = []): Promise<Served> {
  const configFile = path.join(path.dirname(dataset), 'run.json');
  writeFileSync(configFile, JSON.stringify(serverConfig));
  const child = spawn(process.execPath, [bin, 'serve', dataset, '--config', configFile, '--port', '0', '--grpc-port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let stderr = '';
  child.stderr!.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  const lines: Record<string, unknown>[] = [];
  const waiting: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    for (const w of waiting.filter((w) => w.msg === line.msg)) w.resolve(line);
  });
  const logged = (msg: string) => {
    const seen = lines.find((l) => l.msg === msg);
    return seen ? Promise.resolve(seen) : new Promise<Record<string, unknown>>((resolve) => waiting.push({ msg, resolve }));
  };
  return Promise.race([
    logged('listening').then((line) => ({ child, http: line.http as string, grpc: line.grpc as string, logged, exited })),
    exited.then((e) => { throw new Error(`serve exited early: ${e.code} ${e.stderr}`); }),
  ]);
}

test('SIGTERM drains, flushes and exits 0: every acknowledged frame is committed', async (t) => {
  const dataset = path.join(scratchDir(t), 'ds');
  const served = await start(t, dataset);
  for (let step = 0; step < 4; step += 1) {
    const res = await fetch(`${served.http}/v1/streams/diag/frames`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ step, time: step / 2, columns: { energy: [step * 1.25], count: [step] } }),
    });
    assert.equal(res.status, 200);
  }
  served.child.kill('SIGTERM');
  const { code, signal } = await served.exited;
  assert.deepEqual({ code, signal }, { code: 0, signal: null });
  const stored = await readStream(dataset, 'diag', 'step, energy');
  assert.deepEqual(stored.step, [0n, 1n, 2n, 3n]);
  assert.deepEqual(stored.energy, [0, 1.25, 2.5, 3.75]);
});

test('a second signal during the drain exits at once', async (t) => {
  const dataset = path.join(scratchDir(t), 'ds');
  const served = await start(t, dataset);
  // An open StreamData call keeps the gRPC drain waiting.
  const definition = protoLoader.loadSync(path.join(root, 'proto', 'simingest', 'v1', 'simingest.proto'), { keepCase: true, longs: String });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { simingest: { v1: { Ingest: new (t: string, c: grpc.ChannelCredentials) => grpc.Client & { StreamData(cb: (e: unknown) => void): grpc.ClientWritableStream<unknown> } } } };
  const client = new pkg.simingest.v1.Ingest(served.grpc, grpc.credentials.createInsecure());
  t.after(() => client.close());
  const open = client.StreamData(() => undefined);
  const bytes = Buffer.from(new Float64Array([1]).buffer);
  open.write({ stream: 'diag', step: 1, time: 0, columns: [{ name: 'energy', dtype: 'float64', data: bytes }, { name: 'count', dtype: 'uint16', data: Buffer.alloc(2) }] });
  await new Promise<void>((resolve) => {
    const poll = () => fetch(`${served.http}/v1/status`).then((r) => r.json() as Promise<{ framesAccepted: number }>).then((s) => (s.framesAccepted === 1 ? resolve() : setImmediate(poll)));
    poll();
  });
  served.child.kill('SIGTERM');
  await served.logged('draining');
  served.child.kill('SIGTERM');
  const { code } = await served.exited;
  assert.equal(code, 128 + 15);
});

test('serve on a non-loopback address without --token-file refuses to start', async (t) => {
  const dataset = path.join(scratchDir(t), 'ds');
  const configFile = path.join(path.dirname(dataset), 'run.json');
  writeFileSync(configFile, JSON.stringify(serverConfig));
  const child = spawn(process.execPath, [bin, 'serve', dataset, '--config', configFile, '--host', '0.0.0.0', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 1);
  assert.match(stderr, /refusing to listen on 0\.0\.0\.0 without a token/);
});

test('simingest demo --serve ingests every step through the service and keeps serving until SIGTERM', async (t) => {
  const out = path.join(scratchDir(t), 'demo');
  const child = spawn(process.execPath, [bin, 'demo', '--serve', '--steps', '6', '--grid', '16x8', '--out', out, '--port', '0', '--step-ms', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let stderr = '';
  const done = new Promise<string>((resolve) => child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (/still serving/.test(stderr)) resolve(stderr);
  }));
  const url = /watch it at (\S+)\//.exec(await done)![1]!;
  const stats = await (await fetch(`${url}/v1/status`)).json() as { streams: Record<string, { framesCommitted: number }> };
  assert.equal(stats.streams.fields!.framesCommitted, 6);
  assert.equal(stats.streams.diagnostics!.framesCommitted, 6);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /simingest_frames_received_total\{stream="fields",path="library"\} 6/);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.equal((await readStream(out, 'fields', 'step')).step!.length, 6 * 16 * 8);
});
