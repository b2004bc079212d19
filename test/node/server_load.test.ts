// A bounded load test (issue 14; the 60 s version is for the bench): 16
// clients on their own connections — 12 grpc-js, 4 Python grpcio — send
// small and large frames for a few seconds. Every acknowledged frame is in
// the dataset exactly once (DuckDB counts), nothing unacknowledged is, the
// p99 acknowledgement latency is reported, and the server's RSS stays within
// the memory budget + 128 MiB.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { serve } from 'simingest/server';
import { query, scratchDir } from './helpers';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
const SECONDS = Number(process.env.SIMINGEST_LOAD_SECONDS ?? 3);
const MEMORY_LIMIT = 32 * 2 ** 20;

test('16 clients (grpc-js and Python grpcio): every acknowledged frame stored exactly once, RSS within budget + 128 MiB', async (t) => {
  const dataset = path.join(scratchDir(t), 'ds');
  const handle = await serve({
    dataset, port: 0, grpcPort: 0, logger: false,
    config: { streams: { load: { columns: { client: 'int32', value: 'float64' } } }, memoryLimit: MEMORY_LIMIT, workers: 1 },
  });
  let closed = false;
  t.after(() => (closed ? undefined : handle.close()));
  const target = handle.address().grpc!.target;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 50);
  const [node, python] = await Promise.all([
    run(process.execPath, [path.join(__dirname, 'fixtures', 'load_client.js'), target, '12', '0', String(SECONDS)], { maxBuffer: 64 * 2 ** 20 }),
    run('python3', [path.join(root, 'test', 'node', 'fixtures', 'load_client.py'), path.join(root, 'proto', 'simingest', 'v1', 'simingest.proto'), target, '4', '12', String(SECONDS)], { maxBuffer: 64 * 2 ** 20 }),
  ]);
  clearInterval(sampler);
  await handle.close();
  closed = true;
  const results = [JSON.parse(node.stdout), JSON.parse(python.stdout)] as { steps: number[]; latencies: number[] }[];
  const acknowledged = results.flatMap((r) => r.steps);
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const p99 = latencies[Math.floor(0.99 * (latencies.length - 1))]!;
  console.log(`load: ${acknowledged.length} frames acknowledged in ${SECONDS} s by 16 clients, ack latency p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, server peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(acknowledged.length > 16);

  const glob = path.join(dataset, 'load', '**', '*.parquet').replace(/'/g, "''");
  const stored = await query(`SELECT step, count(*) AS rows, min(client) AS lo, max(client) AS hi, bool_and(value = step) AS exact
    FROM read_parquet('${glob}', hive_partitioning = true) GROUP BY step ORDER BY step`);
  const steps = (stored.step as bigint[]).map(Number);
  assert.deepEqual(steps, [...acknowledged].sort((a, b) => a - b), 'exactly the acknowledged frames');
  steps.forEach((step, i) => {
    const k = step % 1_000_000;
    assert.equal(Number(stored.rows![i]), k % 4 === 3 ? 65536 : 64, `frame ${step} stored once, whole`);
    assert.equal(stored.lo![i], Math.floor(step / 1_000_000));
    assert.equal(stored.hi![i], stored.lo![i]);
    assert.equal(stored.exact![i], true);
  });
  assert.ok(peakRss <= MEMORY_LIMIT + 128 * 2 ** 20 + peakRssBaseline, `peak RSS ${peakRss} within budget + 128 MiB over the baseline`);
});

// What the test process holds before the server starts (Node, the addon, DuckDB's library): not the server's.
const peakRssBaseline = process.memoryUsage().rss;
