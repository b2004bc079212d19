// Security defaults of `simingest serve`: the token on every route but
// /healthz (checked with curl, a client we did not write), no non-loopback
// bind without a token, slow and silent clients cut off, a flood of dropped
// connections leaves the server serving.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { serve } from 'simingest/server';
import { SimingestError } from 'simingest';
import { readStream, scratchDir } from './helpers';
import { bearer, serverConfig, startServer } from './server_support';

const run = promisify(execFile);
const TOKEN = 'test-token-0123456789abcdef';

async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['-sS', '-w', '\n%{http_code}', ...args]);
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

test('curl with the bearer token ingests and reads back; without it every route but /healthz is 401', async (t) => {
  const { url, dataset, handle } = await startServer(t, { token: TOKEN });
  const auth = ['-H', `Authorization: Bearer ${TOKEN}`];
  const frame = '{"step":3,"time":1.5,"columns":{"energy":[0.125],"count":[7]}}';
  assert.deepEqual(await curl([...auth, '-H', 'Content-Type: application/json', '--data-binary', frame, `${url}/v1/streams/diag/frames`]),
    { status: 200, body: '{"framesAccepted":1}' });
  assert.deepEqual(await curl([...auth, '-H', 'Accept: text/csv', `${url}/v1/streams/diag/query`]),
    { status: 200, body: 'step,time,energy,count\n3,1.5,0.125,7\n' });
  assert.equal((await curl([...auth, '-X', 'POST', `${url}/v1/flush`])).status, 200);
  assert.deepEqual((await readStream(dataset, 'diag', 'step, energy, count')), { step: [3n], energy: [0.125], count: [7] });

  assert.equal((await curl([`${url}/healthz`])).status, 200);
  for (const [method, route] of [['GET', '/readyz'], ['GET', '/metrics'], ['GET', '/v1/status'], ['GET', '/v1/streams'], ['POST', '/v1/flush'],
    ['GET', '/v1/openapi.json'], ['GET', '/v1/streams/diag/query'], ['POST', '/v1/streams/diag/frames']]) {
    const missing = await curl(['-X', method!, `${url}${route}`]);
    assert.equal(missing.status, 401, `${method} ${route} without a token`);
    assert.equal(JSON.parse(missing.body).error.code, 'ERR_UNAUTHORIZED');
    const wrong = await fetch(`${url}${route}`, { method, headers: bearer(TOKEN.slice(0, -1) + 'x') });
    assert.equal(wrong.status, 401, `${method} ${route} with a wrong token`);
  }
  // Refused requests wrote nothing.
  assert.equal(handle.ingestor.stats().streams.diag!.framesAccepted, 1);
});

test('a non-loopback address without a token refuses to start; a short token is refused too', async (t) => {
  const dataset = scratchDir(t);
  await assert.rejects(serve({ dataset, config: serverConfig, host: '0.0.0.0', port: 0, grpcPort: null, logger: false }),
    (error: unknown) => error instanceof SimingestError && error.code === 'ERR_INVALID_ARGUMENT' && /without a token/.test(error.message));
  await assert.rejects(serve({ dataset, config: serverConfig, port: 0, grpcPort: null, logger: false, token: 'short' }),
    (error: unknown) => error instanceof SimingestError && /at least 16/.test(error.message));
});

function closed(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk) => { text += chunk.toString(); });
    socket.on('close', () => resolve(text));
    socket.on('error', () => undefined);
  });
}

test('a client that sends headers too slowly gets 408, a silent connection is closed', async (t) => {
  const { handle } = await startServer(t, { limits: { headersTimeoutMs: 200, requestTimeoutMs: 400, idleTimeoutMs: 300 } });
  const { port } = handle.address().http;
  const slow = net.connect(port, '127.0.0.1');
  slow.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // and never the blank line
  const silent = net.connect(port, '127.0.0.1');
  const [slowText] = await Promise.all([closed(slow), closed(silent)]);
  assert.match(slowText, /^HTTP\/1\.1 408/);
});

test('a thousand connections opened and dropped leave the server serving', async (t) => {
  const { url, handle } = await startServer(t);
  const { port } = handle.address().http;
  await Promise.all(Array.from({ length: 1000 }, (_, i) => new Promise<void>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      if (i % 2) socket.write('POST /v1/streams/diag/frames HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"st');
      socket.destroy();
    });
    socket.on('close', () => resolve());
    socket.on('error', () => undefined);
  })));
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal(handle.ingestor.stats().framesAccepted, 0);
});
