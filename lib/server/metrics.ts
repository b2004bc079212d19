// Prometheus metrics of one service (its own registry, so two services in one
// process do not share counters). What the service counts itself (requests,
// frames and bytes received per stream and path, rejects) is counted as it
// happens; what the engine counts is read from stats() at scrape time.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Ingestor } from '../ingestor.js';
import type { Stats } from '../stats.js';

/** Where a frame came in. */
export type IngestPath = 'rest_json' | 'rest_arrow' | 'grpc_stream' | 'grpc_batch' | 'library';

const STREAM_GAUGES = [
  ['frames_accepted', 'framesAccepted', 'Frames the engine accepted'],
  ['frames_committed', 'framesCommitted', 'Frames in committed files'],
  ['frames_dropped', 'framesDropped', 'Frames dropped by the drop backpressure policy'],
  ['frames_rejected', 'framesRejected', 'Frames the engine refused'],
  ['frames_in_flight', 'framesInFlight', 'Frames accepted but not yet committed'],
  ['bytes_in', 'bytesIn', 'Bytes of frame data accepted'],
  ['bytes_written', 'bytesWritten', 'Bytes of committed Parquet files'],
] as const;

// The engine's stage histograms are log2 buckets of nanoseconds (docs/STATS.md):
// bucket i counts 2^i <= d < 2^(i+1) ns, so its upper bound is 2^(i+1) ns.
function stageHistogram(read: () => Stats | null) {
  return {
    name: 'simingest_engine_stage_duration_seconds',
    help: 'Time frames spent in each engine stage (from the engine\'s log2 histograms)',
    type: 'histogram',
    aggregator: 'omit',
    get() {
      const stats = read();
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
      for (const [stage, s] of Object.entries(stats?.stages ?? {})) {
        let cumulative = 0;
        s.histogram.forEach((count, i) => {
          cumulative += count;
          values.push({ metricName: `${this.name}_bucket`, labels: { stage, le: 2 ** (i + 1) / 1e9 }, value: cumulative });
        });
        values.push({ metricName: `${this.name}_bucket`, labels: { stage, le: '+Inf' }, value: s.count });
        values.push({ metricName: `${this.name}_sum`, labels: { stage }, value: s.totalNs / 1e9 });
        values.push({ metricName: `${this.name}_count`, labels: { stage }, value: s.count });
      }
      return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
    },
  };
}

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly grpcRequests: Counter<'method' | 'code'>;
  readonly grpcDuration: Histogram<'method'>;
  readonly framesReceived: Counter<'stream' | 'path'>;
  readonly bytesReceived: Counter<'stream' | 'path'>;
  readonly rejects: Counter<'path' | 'code'>;

  constructor(ingestor: Ingestor) {
    const registers = [this.registry];
    this.httpRequests = new Counter({ name: 'simingest_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers });
    this.httpDuration = new Histogram({ name: 'simingest_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'], registers, buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] });
    this.grpcRequests = new Counter({ name: 'simingest_grpc_requests_total', help: 'gRPC calls by method and status code', labelNames: ['method', 'code'], registers });
    this.grpcDuration = new Histogram({ name: 'simingest_grpc_request_duration_seconds', help: 'gRPC call latency', labelNames: ['method'], registers, buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30] });
    this.framesReceived = new Counter({ name: 'simingest_frames_received_total', help: 'Frames the engine took, by stream and how they came in', labelNames: ['stream', 'path'], registers });
    this.bytesReceived = new Counter({ name: 'simingest_bytes_received_total', help: 'Bytes of frame data the engine took, by stream and how they came in', labelNames: ['stream', 'path'], registers });
    this.rejects = new Counter({ name: 'simingest_rejects_total', help: 'Requests or frames refused, by path and error code', labelNames: ['path', 'code'], registers });

    // One stats() per scrape, shared by every engine metric's collect().
    let cached: { at: number; stats: Stats | null } | null = null;
    const read = (): Stats | null => {
      const now = Date.now();
      if (cached === null || now - cached.at > 100) {
        cached = { at: now, stats: ingestor.closed ? null : ingestor.stats() };
      }
      return cached.stats;
    };
    for (const [suffix, key, help] of STREAM_GAUGES) {
      new Gauge({
        name: `simingest_engine_${suffix}`,
        help: `${help} (engine counter)`,
        labelNames: ['stream'],
        registers,
        collect() {
          const stats = read();
          if (!stats) return;
          for (const [stream, s] of Object.entries(stats.streams)) this.set({ stream }, s[key]);
        },
      });
    }
    const scalar = (name: string, help: string, pick: (s: Stats) => number) =>
      new Gauge({ name, help, registers, collect() { const s = read(); if (s) this.set(pick(s)); } });
    scalar('simingest_engine_memory_used_bytes', 'Bytes of frames in flight held by the engine', (s) => s.memoryUsed);
    scalar('simingest_engine_memory_peak_bytes', 'Largest memoryUsed so far', (s) => s.memoryPeak);
    scalar('simingest_engine_memory_limit_bytes', 'The engine memory budget', (s) => s.memoryLimit);
    scalar('simingest_engine_queue_depth', 'Frames queued for the engine workers', (s) => s.queueDepth);
    this.registry.registerMetric(stageHistogram(read) as never);
    collectDefaultMetrics({ register: this.registry, prefix: 'simingest_' });
  }

  countFrame(stream: string, path: IngestPath, bytes: number): void {
    this.framesReceived.inc({ stream, path });
    this.bytesReceived.inc({ stream, path }, bytes);
  }
}
