// What the REST and gRPC listeners share: the one Ingestor, the metrics, the
// logger, the tracer, the limits, and the one way frames enter the engine.
import { trace, type Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Frame } from '../frame.js';
import type { Ingestor } from '../ingestor.js';
import { BodyPool } from './body_pool.js';
import type { IngestPath, ServiceMetrics } from './metrics.js';

export interface ServiceLimits {
  /** Largest REST request body in bytes. */
  bodyBytes: number;
  /** Largest gRPC message in bytes (a Frame or a Batch). */
  grpcMessageBytes: number;
  /** Time to receive a whole request (headers and body). */
  requestTimeoutMs: number;
  /** Time to receive the request headers. */
  headersTimeoutMs: number;
  /** A connection with no traffic for this long is closed (also a client that stopped reading). */
  idleTimeoutMs: number;
  /** Frames a gRPC Subscribe holds for a client reading slower than the stream; beyond it the oldest is dropped. */
  subscribeFrames: number;
}

export const DEFAULT_LIMITS: ServiceLimits = {
  bodyBytes: 64 * 2 ** 20,
  grpcMessageBytes: 64 * 2 ** 20,
  requestTimeoutMs: 60_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  subscribeFrames: 64,
};

export class Service {
  readonly ingestor: Ingestor;
  readonly config: Config;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  readonly tracer: Tracer = trace.getTracer('simingest');
  readonly limits: ServiceLimits;
  /** Set when close() begins: /readyz says 503, new work is refused. */
  draining = false;
  /** The step of the last frame each stream took through this service (for GET …/live). */
  readonly lastStep = new Map<string, number | bigint>();
  /** Ends each open event stream (GET /v1/events, GET …/live) and gRPC Subscribe. */
  readonly liveResponses = new Set<() => void>();
  /** Reused memory for frame request bodies (body_pool.ts). */
  readonly bodies = new BodyPool();

  constructor(ingestor: Ingestor, metrics: ServiceMetrics, logger: Logger, limits: ServiceLimits) {
    this.ingestor = ingestor;
    this.config = ingestor.config;
    this.metrics = metrics;
    this.logger = logger;
    this.limits = limits;
  }

  /**
   * Ingests frames in order, each awaited before the next (the engine's
   * backpressure reaches the caller). On the first failure the error is
   * thrown with `framesAccepted` set: the frames before it are in the engine.
   * (All frames go to one stream, so an unknown stream fails the first.)
   */
  async ingestFrames(stream: string, frames: Frame[], path: IngestPath): Promise<number> {
    let accepted = 0;
    for (const frame of frames) {
      try {
        await this.ingestor.ingest(stream, frame);
      } catch (error) {
        (error as { framesAccepted?: number }).framesAccepted = accepted;
        throw error;
      }
      accepted += 1;
      this.lastStep.set(stream, frame.step);
      this.metrics.countFrame(stream, path, frameBytes(frame));
    }
    return accepted;
  }
}

export function frameBytes(frame: Frame): number {
  let bytes = 0;
  for (const value of Object.values(frame.columns)) bytes += ArrayBuffer.isView(value) ? value.byteLength : 8;
  return bytes;
}
