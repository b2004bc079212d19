// The REST surface as documented: the OpenAPI document names exactly the
// routed operations, /metrics is valid Prometheus text that agrees with
// stats(), one JSON log line per request carries its id, and a client that
// stops reading a query is cut off without harming the server.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { startServer } from './server_support';

interface RouteShape { method: string; path: string; operationId: string }
// Internal to the package (not exported): loaded from the compiled tree.
const { ROUTES } = require(path.resolve(__dirname, '..', 'server', 'routes.js')) as { ROUTES: RouteShape[] };

test('the OpenAPI 3.1 document lists exactly the routed operations, and each answers', async (t) => {
  const { url } = await startServer(t);
  const doc = await (await fetch(`${url}/v1/openapi.json`)).json() as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
  assert.equal(doc.openapi, '3.1.0');
  const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => `${m.toUpperCase()} ${p} ${op.operationId}`)).sort();
  const routed = ROUTES.map((r) => `${r.method} ${r.path} ${r.operationId}`).sort();
  assert.deepEqual(documented, routed);
  for (const route of ROUTES) {
    const concrete = route.path.replace('{stream}', 'diag').replace('{file}', 'app.js');
    const init: RequestInit = { method: route.method };
    if (route.operationId === 'postFrames') {
      init.headers = { 'content-type': 'application/json' };
      init.body = JSON.stringify({ step: 1, time: 0, columns: { energy: [1], count: [1] } });
    }
    const res = await fetch(`${url}${concrete}`, init);
    assert.equal(res.status, 200, `${route.method} ${concrete}`);
    if (route.operationId === 'events' || route.operationId === 'live') {
      // An endless stream: its first event is enough.
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const reader = res.body!.getReader();
      assert.match(new TextDecoder().decode((await reader.read()).value), /^(event: stats\ndata: \{|:\n\n|event: rows\n)/);
      await reader.cancel();
    } else {
      await res.arrayBuffer();
    }
  }
});

// Prometheus text exposition format 0.0.4, checked line by line.
function parseExposition(text: string): Map<string, { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] }> {
  const families = new Map<string, { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] }>();
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sample = new RegExp(`^(${NAME})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*",?)*)\\})? (\\S+)$`);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
    if (m) {
      if (m[1] === 'TYPE') {
        assert.match(m[3]!, /^(counter|gauge|histogram|summary|untyped)$/, line);
        assert.ok(!families.has(m[2]!), `one TYPE per family: ${m[2]}`);
        families.set(m[2]!, { type: m[3]!, samples: [] });
      }
      continue;
    }
    m = sample.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    // Prometheus parses sample values with Go's ParseFloat: NaN in any case (prom-client writes `Nan`).
    assert.ok(!Number.isNaN(value) || m[3]!.toLowerCase() === 'nan', line);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    const family = families.get(m[1]!) ?? families.get(m[1]!.replace(/_(bucket|sum|count)$/, ''));
    assert.ok(family, `sample of a declared family: ${m[1]}`);
    family.samples.push({ name: m[1]!, labels, value });
  }
  return families;
}

test('/metrics is valid Prometheus text: service counters, engine gauges equal to stats(), stage histograms', async (t) => {
  const { url, handle } = await startServer(t);
  for (let step = 0; step < 3; step += 1) {
    await fetch(`${url}/v1/streams/diag/frames`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ step, time: step, columns: { energy: [1, 2], count: [3, 4] } }) });
  }
  await fetch(`${url}/v1/flush`, { method: 'POST' });
  const res = await fetch(`${url}/metrics`);
  assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const families = parseExposition(await res.text());
  const stats = handle.ingestor.stats();
  const one = (name: string, labels: Record<string, string> = {}) =>
    families.get(name)!.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))!.value;
  assert.equal(one('simingest_frames_received_total', { stream: 'diag', path: 'rest_json' }), 3);
  assert.equal(one('simingest_bytes_received_total', { stream: 'diag', path: 'rest_json' }), 3 * (16 + 4));
  assert.equal(one('simingest_engine_frames_committed', { stream: 'diag' }), stats.streams.diag!.framesCommitted);
  assert.equal(one('simingest_engine_bytes_in', { stream: 'diag' }), stats.streams.diag!.bytesIn);
  assert.equal(one('simingest_engine_memory_limit_bytes'), stats.memoryLimit);
  assert.equal(one('simingest_http_requests_total', { method: 'POST', route: '/v1/streams/{stream}/frames', status: '200' }), 3);
  assert.ok(one('simingest_process_resident_memory_bytes') > 0);
  const stages = families.get('simingest_engine_stage_duration_seconds')!;
  assert.equal(stages.type, 'histogram');
  for (const [stage, s] of Object.entries(stats.stages)) {
    const buckets = stages.samples.filter((x) => x.name.endsWith('_bucket') && x.labels.stage === stage);
    assert.ok(buckets.length > 1);
    for (let i = 1; i < buckets.length; i += 1) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, 'cumulative');
    assert.equal(buckets.at(-1)!.labels.le, '+Inf');
    assert.ok(buckets.at(-1)!.value >= s.count); // counted again between stats() and the scrape
  }
});

test('one JSON log line per request with its request id, level by status', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk, _e, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  const { url } = await startServer(t, { logger: pino({ level: 'info' }, sink) });
  await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'probe-1' } });
  const bad = await fetch(`${url}/v1/streams/nope/query`);
  const id = bad.headers.get('x-request-id');
  assert.match(id!, /^[0-9a-f-]{36}$/);
  const requests = lines.filter((l) => l.msg === 'request');
  assert.deepEqual(requests.map((l) => [l.reqId, l.route, l.status, l.level]), [
    ['probe-1', '/healthz', 200, 30],
    [id, '/v1/streams/{stream}/query', 404, 40],
  ]);
  assert.equal(requests[1]!.code, 'ERR_UNKNOWN_STREAM');
  assert.equal(typeof requests[0]!.ms, 'number');
});

test('a client that stops reading a query is cut off by the idle timeout; the server goes on', async (t) => {
  // The request's log line is written when its handler ends: the moment the server gave up on the client.
  let handlerEnded: (line: Record<string, unknown>) => void;
  const ended = new Promise<Record<string, unknown>>((resolve) => { handlerEnded = resolve; });
  const sink = new Writable({
    write(chunk, _e, cb) {
      const line = JSON.parse(String(chunk)) as Record<string, unknown>;
      if (line.msg === 'request' && line.route === '/v1/streams/{stream}/query') handlerEnded(line);
      cb();
    },
  });
  const { url, handle } = await startServer(t, { limits: { idleTimeoutMs: 300 }, logger: pino(sink) });
  const rows = 400_000; // about 10 MB of CSV: more than the socket buffers hold
  await handle.ingestor.ingest('diag', { step: 1, time: 0, columns: { energy: new Float64Array(rows).fill(1 / 3), count: new Uint16Array(rows) } });
  const socket = net.connect(handle.address().http.port, '127.0.0.1');
  socket.pause(); // reads nothing until the server gave up
  socket.write('GET /v1/streams/diag/query HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n');
  await ended;
  let received = 0;
  socket.on('data', (chunk: Buffer) => { received += chunk.length; });
  socket.on('error', () => undefined);
  socket.resume();
  await new Promise<void>((resolve) => socket.on('close', () => resolve()));
  assert.ok(received > 0 && received < rows * 20, `the response was cut short (${received} bytes)`);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const csv = await (await fetch(`${url}/v1/streams/diag/query?columns=count`, { headers: { accept: 'text/csv' } })).text();
  assert.equal(csv.split('\n').length, rows + 2); // header, rows, final newline
});
