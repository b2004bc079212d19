// GET /metrics read by prometheus_client's parser (Python, pip
// prometheus_client): the exposition parses as a whole, each family has the
// type and help it declares, values agree with stats(), and every histogram is
// cumulative with its +Inf bucket equal to its _count. (server_api.test.ts
// keeps the hand parser that checks the line grammar.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { startServer } from './server_support';

type Sample = [name: string, labels: Record<string, string>, value: string];
interface Family { type: string; help: string; samples: Sample[] }

const PARSER = path.resolve(__dirname, '..', '..', 'test', 'node', 'fixtures', 'prom_parse.py');

function parseWithPrometheusClient(text: string): Promise<Record<string, Family>> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [PARSER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk; });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as Record<string, Family>) : reject(new Error(`prometheus_client refused the exposition: ${stderr}`))));
    child.stdin.end(text);
  });
}

// Python's repr of a float: 'nan', 'inf', '-inf' or a decimal.
const valueOf = (repr: string) => (repr === 'nan' ? NaN : repr === 'inf' ? Infinity : repr === '-inf' ? -Infinity : Number(repr));

test('/metrics parses with prometheus_client: types, values equal to stats(), cumulative histograms', async (t) => {
  const { url, handle } = await startServer(t);
  for (let step = 0; step < 4; step += 1) {
    const res = await fetch(`${url}/v1/streams/diag/frames`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ step, time: step, columns: { energy: [1, 2, 3], count: [3, 4, 5] } }) });
    assert.equal(res.status, 200);
  }
  assert.equal((await fetch(`${url}/v1/streams/nope/frames`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ step: 0, time: 0, columns: { energy: [1] } }) })).status, 404);
  await fetch(`${url}/v1/flush`, { method: 'POST' });
  const text = await (await fetch(`${url}/metrics`)).text();
  const stats = handle.ingestor.stats();
  const families = await parseWithPrometheusClient(text);

  const family = (name: string, type: string) => {
    const f = families[name];
    assert.ok(f, `family ${name}`);
    assert.equal(f.type, type, `${name} type`);
    assert.ok(f.help.length > 0, `${name} has help`);
    return f;
  };
  const one = (f: Family, sample: string, labels: Record<string, string> = {}) => {
    const found = f.samples.filter(([n, l]) => n === sample && Object.entries(labels).every(([k, v]) => l[k] === v));
    assert.equal(found.length, 1, `one ${sample} ${JSON.stringify(labels)}`);
    return valueOf(found[0]![2]);
  };

  // Counters: prometheus_client names the family without _total.
  const frames = family('simingest_frames_received', 'counter');
  assert.equal(one(frames, 'simingest_frames_received_total', { stream: 'diag', path: 'rest_json' }), 4);
  assert.equal(one(family('simingest_bytes_received', 'counter'), 'simingest_bytes_received_total', { stream: 'diag', path: 'rest_json' }), 4 * 3 * (8 + 2));
  assert.equal(one(family('simingest_rejects', 'counter'), 'simingest_rejects_total', { path: 'rest', code: 'ERR_UNKNOWN_STREAM' }), 1);
  assert.equal(one(family('simingest_http_requests', 'counter'), 'simingest_http_requests_total', { method: 'POST', route: '/v1/streams/{stream}/frames', status: '200' }), 4);

  // Gauges read from stats() at scrape time (after the flush nothing moves).
  const diag = stats.streams.diag!;
  for (const [name, value] of [['frames_accepted', diag.framesAccepted], ['frames_committed', diag.framesCommitted], ['bytes_in', diag.bytesIn], ['bytes_written', diag.bytesWritten]] as const) {
    assert.equal(one(family(`simingest_engine_${name}`, 'gauge'), `simingest_engine_${name}`, { stream: 'diag' }), value, name);
  }
  assert.equal(diag.framesCommitted, 4);
  assert.equal(one(family('simingest_engine_memory_limit_bytes', 'gauge'), 'simingest_engine_memory_limit_bytes'), stats.memoryLimit);
  assert.ok(one(family('simingest_process_resident_memory_bytes', 'gauge'), 'simingest_process_resident_memory_bytes') > 0);

  // Every histogram: per label set, buckets rise with le, +Inf equals _count.
  const histograms = Object.entries(families).filter(([, f]) => f.type === 'histogram');
  const observed = new Set<string>();
  for (const [name, f] of histograms) {
    const series = new Map<string, { le: number; value: number }[]>();
    const counts = new Map<string, number>();
    for (const [sample, labels, value] of f.samples) {
      const { le, ...rest } = labels;
      const key = JSON.stringify(rest);
      if (sample === `${name}_bucket`) series.set(key, [...(series.get(key) ?? []), { le: le === '+Inf' ? Infinity : Number(le), value: valueOf(value) }]);
      if (sample === `${name}_count`) counts.set(key, valueOf(value));
    }
    if (series.size > 0) observed.add(name); // a histogram nothing was observed in has no samples (gRPC here)
    for (const [key, buckets] of series) {
      for (let i = 1; i < buckets.length; i += 1) {
        assert.ok(buckets[i]!.le > buckets[i - 1]!.le && buckets[i]!.value >= buckets[i - 1]!.value, `${name} ${key} cumulative`);
      }
      assert.equal(buckets.at(-1)!.le, Infinity, `${name} ${key} ends with +Inf`);
      assert.equal(buckets.at(-1)!.value, counts.get(key), `${name} ${key}: +Inf bucket equals _count`);
    }
  }
  assert.ok(observed.has('simingest_engine_stage_duration_seconds') && observed.has('simingest_http_request_duration_seconds'), [...observed].join());
  const stages = families.simingest_engine_stage_duration_seconds!;
  for (const [stage, s] of Object.entries(stats.stages)) {
    assert.ok(one(stages, 'simingest_engine_stage_duration_seconds_count', { stage }) >= s.count, stage);
  }
});
