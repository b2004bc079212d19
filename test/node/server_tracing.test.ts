// OpenTelemetry spans around requests and flushes: with a tracer provider
// installed (here a recording one; a host would install an SDK) every REST
// request, gRPC call and flush is a span that ends, errors marked as such.
// Its own file: the global provider can be set once per process.
import { trace, SpanStatusCode, type Span, type SpanStatus, type Tracer, type TracerProvider } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from './server_support';

interface Recorded { name: string; ended: boolean; status?: SpanStatus; attributes: Record<string, unknown> }
const spans: Recorded[] = [];

function recordingSpan(name: string): Span {
  const record: Recorded = { name, ended: false, attributes: {} };
  spans.push(record);
  const span: Span = {
    spanContext: () => ({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', traceFlags: 1 }),
    setAttribute: (key, value) => { record.attributes[key] = value; return span; },
    setAttributes: (attributes) => { Object.assign(record.attributes, attributes); return span; },
    addEvent: () => span,
    addLink: () => span,
    addLinks: () => span,
    setStatus: (status) => { record.status = status; return span; },
    updateName: (next) => { record.name = next; return span; },
    end: () => { record.ended = true; },
    isRecording: () => true,
    recordException: () => undefined,
  };
  return span;
}

const tracer = {
  startSpan: (name: string) => recordingSpan(name),
  startActiveSpan: (name: string, ...args: unknown[]) => (args.at(-1) as (span: Span) => unknown)(recordingSpan(name)),
} as unknown as Tracer;
const provider: TracerProvider = { getTracer: () => tracer };

test('requests and flushes are spans that end; a refused request has an error status', async (t) => {
  assert.ok(trace.setGlobalTracerProvider(provider));
  const { url } = await startServer(t);
  await fetch(`${url}/v1/flush`, { method: 'POST' });
  await fetch(`${url}/v1/streams/nope/query`);
  assert.deepEqual(spans.map((s) => [s.name, s.ended]), [
    ['HTTP POST /v1/flush', true],
    ['simingest.flush', true],
    ['HTTP GET /v1/streams/{stream}/query', true],
  ]);
  assert.equal(spans[0]!.attributes['http.status_code'], 200);
  assert.equal(spans[2]!.status?.code, SpanStatusCode.ERROR);
  assert.equal(spans[2]!.attributes['http.status_code'], 404);
});
