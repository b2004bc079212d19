// Throughput of `simingest serve` against in-process ingest, in one run
// (issue 14: gRPC StreamData ≥ 60 % and REST with Arrow IPC bodies ≥ 40 % of
// in-process). Frames are TGV-2D-shaped: a 256×256 grid, four float32 columns
// (1 MiB per frame). Each contender writes a fresh dataset; the time runs from
// the first frame to the flush that commits the last. Clients run in a child
// process (the same file with --client), as a remote solver would.
//
//   node bench/node/serve_throughput.mjs [--frames N] [--json FILE]   (after npm run compile)
// --json writes the seconds of each contender (bench/run.mjs reads it).
// Numbers are reported, never asserted.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ingestor } from 'simingest';
import { serve } from 'simingest/server';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROTO = path.resolve(here, '..', '..', 'proto', 'simingest', 'v1', 'simingest.proto');
const NX = 256;
const NY = 256;
const COLUMNS = ['vx', 'vy', 'p', 'vorticity'];
const framesArg = process.argv.indexOf('--frames');
const FRAMES = framesArg > 0 ? Number(process.argv[framesArg + 1]) : 200;
// --only grpc|rest_arrow skips the other service contender (for profiling one path).
const onlyArg = process.argv.indexOf('--only');
const ONLY = onlyArg > 0 ? process.argv[onlyArg + 1] : undefined;
const jsonArg = process.argv.indexOf('--json');
const JSON_OUT = jsonArg > 0 ? process.argv[jsonArg + 1] : undefined;
const config = {
  streams: { fields: { columns: Object.fromEntries(COLUMNS.map((c) => [c, 'float32'])), grid: [NY, NX], partition: { steps: 100 } } },
  compression: { codec: 'zstd', level: 1 },
  memoryLimit: 256 * 2 ** 20,
};

function columns() {
  return Object.fromEntries(COLUMNS.map((c, i) => [c, Float32Array.from({ length: NX * NY }, (_, k) => Math.sin(k * 0.001 * (i + 1)))]));
}

async function client(kind, target) {
  const cols = columns();
  const started = process.hrtime.bigint();
  if (kind === 'grpc') {
    const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: String });
    const pkg = grpc.loadPackageDefinition(definition);
    const c = new pkg.simingest.v1.Ingest(target, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 2 ** 20 });
    const data = COLUMNS.map((name) => ({ name, dtype: 'float32', data: Buffer.from(cols[name].buffer) }));
    await new Promise((resolve, reject) => {
      const stream = c.StreamData((e, v) => (e ? reject(e) : resolve(v)));
      let step = 0;
      const more = () => {
        while (step < FRAMES) {
          const ok = stream.write({ stream: 'fields', step, time: step * 0.01, columns: data });
          step += 1;
          if (!ok) return void stream.once('drain', more);
        }
        stream.end();
      };
      more();
    });
    await new Promise((resolve, reject) => c.Flush({}, (e) => (e ? reject(e) : resolve())));
    c.close();
  } else {
    // node:http with one kept-alive connection rather than fetch: undici's
    // fetch copies a Uint8Array body into a web stream first (that copy was
    // most of the client's time). One request in flight keeps frames in step
    // order; the next body is encoded while the previous request is served.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL(target);
    const cells = NX * NY;
    const post = (pathname, body, type) => new Promise((resolve, reject) => {
      const req = http.request({ agent, host: url.hostname, port: url.port, method: 'POST', path: pathname, headers: { 'content-type': type, 'content-length': body.length } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { text += c; });
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${res.statusCode} ${text}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
    const encode = (step) => tableToIPC(tableFromArrays({ step: new BigInt64Array(cells).fill(BigInt(step)), time: new Float64Array(cells).fill(step * 0.01), ...cols }), 'stream');
    let inFlight = post('/v1/streams/fields/frames', encode(0), 'application/vnd.apache.arrow.stream');
    for (let step = 1; step < FRAMES; step += 1) {
      const body = encode(step);
      await inFlight;
      inFlight = post('/v1/streams/fields/frames', body, 'application/vnd.apache.arrow.stream');
    }
    await inFlight;
    await post('/v1/flush', '', 'application/json');
    agent.destroy();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ seconds }));
}

function runClient(kind, target) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--client', kind, target, '--frames', String(FRAMES)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out).seconds) : reject(new Error(`client ${kind} exited ${code}`))));
  });
}

async function main() {
  const results = {};
  const dir = () => mkdtempSync(path.join(tmpdir(), 'simingest-serve-bench-'));
  {
    const dataset = dir();
    const ingestor = await Ingestor.open(dataset, config);
    const cols = columns();
    const started = process.hrtime.bigint();
    for (let step = 0; step < FRAMES; step += 1) await ingestor.ingest('fields', { step, time: step * 0.01, columns: cols });
    await ingestor.flush();
    results.inProcess = Number(process.hrtime.bigint() - started) / 1e9;
    await ingestor.close();
    rmSync(dataset, { recursive: true, force: true });
  }
  for (const kind of ['grpc', 'rest_arrow'].filter((k) => ONLY === undefined || k === ONLY)) {
    const dataset = dir();
    const handle = await serve({ dataset, config, port: 0, grpcPort: 0, logger: false, limits: { grpcMessageBytes: 64 * 2 ** 20 } });
    const target = kind === 'grpc' ? handle.address().grpc.target : handle.address().http.url;
    results[kind] = await runClient(kind, target);
    if (handle.ingestor.stats().streams.fields.framesCommitted !== FRAMES) throw new Error(`${kind}: not every frame committed`);
    await handle.close();
    rmSync(dataset, { recursive: true, force: true });
  }
  const mib = FRAMES * NX * NY * COLUMNS.length * 4 / 2 ** 20;
  const line = (name, seconds) => `${name.padEnd(22)} ${(FRAMES / seconds).toFixed(1).padStart(8)} frames/s ${(mib / seconds).toFixed(1).padStart(8)} MiB/s ${(100 * results.inProcess / seconds).toFixed(0).padStart(5)} % of in-process`;
  console.log(`${FRAMES} frames of ${NY}x${NX}x${COLUMNS.length} float32 (${mib.toFixed(0)} MiB), first frame to committed:`);
  console.log(line('in-process ingest()', results.inProcess));
  if (results.grpc !== undefined) console.log(line('gRPC StreamData', results.grpc));
  if (results.rest_arrow !== undefined) console.log(line('REST Arrow IPC bodies', results.rest_arrow));
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ frames: FRAMES, frameBytes: NX * NY * COLUMNS.length * 4, seconds: results }));
}

if (process.argv[2] === '--client') client(process.argv[3], process.argv[4]).catch((e) => { console.error(e); process.exit(1); });
else main().catch((e) => { console.error(e); process.exit(1); });
