// The gRPC listener (package simingest.v1, proto/simingest/v1/simingest.proto):
// the same Service as REST, the same error table, the same token.
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { QueryOptions } from '../query.js';
import type { Stats, StreamStats } from '../stats.js';
import { arrowIpcStream } from './arrow_ipc.js';
import { bearerCheck } from './auth.js';
import { ColumnScratch } from './column_bytes.js';
import { frameFromMessage, type FrameMessage } from './grpc_frames.js';
import { drainedOrClosed, streamSubscription, type SubscribeMessage } from './grpc_subscribe.js';
import type { TlsFiles } from './http_server.js';
import { frameBytes, type Service } from './service.js';
import { reportOf } from './status_map.js';

/** The shipped .proto (dist/server/ → package root). */
export const PROTO_PATH = path.resolve(__dirname, '..', '..', 'proto', 'simingest', 'v1', 'simingest.proto');

export interface GrpcListener {
  port: number;
  /** Refuses new calls, waits for calls in progress. */
  drain(): Promise<void>;
}

const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

function loadService(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { simingest: { v1: { Ingest: grpc.ServiceClientConstructor } } };
  return pkg.simingest.v1.Ingest.service;
}

function streamStatus(s: StreamStats) {
  return {
    frames_accepted: s.framesAccepted, frames_committed: s.framesCommitted, frames_rejected: s.framesRejected,
    frames_dropped: s.framesDropped, frames_in_flight: s.framesInFlight, bytes_in: s.bytesIn,
    bytes_written: s.bytesWritten, files_committed: s.filesCommitted,
  };
}

function statusMessage(stats: Stats) {
  return {
    totals: streamStatus(stats),
    streams: Object.fromEntries(Object.entries(stats.streams).map(([name, s]) => [name, streamStatus(s)])),
    memory_used: stats.memoryUsed, memory_limit: stats.memoryLimit, queue_depth: stats.queueDepth,
    stats_json: JSON.stringify(stats),
  };
}

interface QueryMessage {
  stream: string;
  step_from?: string; step_to?: string; time_from?: number; time_to?: number;
  columns: string[];
  every: string;
}

function queryOptionsOf(m: QueryMessage): QueryOptions {
  const options: QueryOptions = {};
  // proto3 optional: an unset field is absent (or null) in the decoded object.
  const has = (v: unknown) => v !== undefined && v !== null;
  if (has(m.step_from) || has(m.step_to)) {
    options.steps = [has(m.step_from) ? BigInt(m.step_from!) : -(2n ** 63n), has(m.step_to) ? BigInt(m.step_to!) : 2n ** 63n - 1n];
  }
  if (has(m.time_from) || has(m.time_to)) {
    options.time = [has(m.time_from) ? m.time_from! : -Number.MAX_VALUE, has(m.time_to) ? m.time_to! : Number.MAX_VALUE];
  }
  if (m.columns.length > 0) options.columns = m.columns;
  if (m.every !== '0') options.every = BigInt(m.every);
  return options;
}

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

export async function createGrpcServer(service: Service, host: string, port: number, token: string | undefined, tls: TlsFiles | undefined): Promise<GrpcListener> {
  const authorized = bearerCheck(token);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': service.limits.grpcMessageBytes,
    'grpc.max_send_message_length': service.limits.grpcMessageBytes,
  });
  const { ingestor, metrics, logger } = service;

  // Runs one call: token, span, metrics, log line; the body's error becomes a gRPC status.
  const run = async <T>(method: string, call: AnyCall, body: () => Promise<T>): Promise<{ value?: T; error?: grpc.StatusObject }> => {
    const started = process.hrtime.bigint();
    const span = service.tracer.startSpan(`grpc simingest.v1.Ingest/${method}`);
    let result: { value?: T; error?: grpc.StatusObject };
    let code = 'OK';
    try {
      const header = call.metadata.get('authorization')[0];
      if (!authorized(typeof header === 'string' ? header : undefined)) {
        result = { error: { code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong bearer token', metadata: new grpc.Metadata() } };
        code = 'ERR_UNAUTHORIZED';
      } else if (service.draining) {
        result = { error: { code: grpc.status.UNAVAILABLE, details: 'the server is shutting down', metadata: new grpc.Metadata() } };
        code = 'ERR_CLOSED';
      } else {
        result = { value: await body() };
      }
    } catch (error) {
      const report = reportOf(error);
      code = report.code;
      const metadata = new grpc.Metadata();
      metadata.set('simingest-code', report.code);
      const accepted = (error as { framesAccepted?: number }).framesAccepted;
      if (accepted !== undefined) metadata.set('simingest-frames-accepted', String(accepted));
      result = { error: { code: report.grpc, details: report.message, metadata } };
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // A server stream the client cancelled (Query, Subscribe) ends without an error of its own.
    const grpcCode = result.error ? grpc.status[result.error.code] : call.cancelled ? 'CANCELLED' : 'OK';
    metrics.grpcRequests.inc({ method, code: grpcCode });
    metrics.grpcDuration.observe({ method }, seconds);
    if (result.error) metrics.rejects.inc({ path: 'grpc', code });
    span.setAttribute('rpc.grpc.status_code', result.error?.code ?? 0);
    span.end();
    const line = { method: `grpc ${method}`, status: grpcCode, ms: +(seconds * 1e3).toFixed(3), ...(result.error ? { code, message: result.error.details } : {}) };
    if (result.error) logger.warn(line, 'request');
    else logger.info(line, 'request');
    return result;
  };

  const unary = <Req, Res>(method: string, body: (request: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> =>
    (call, callback) => {
      void run(method, call as AnyCall, () => body(call.request)).then(({ value, error }) => (error ? callback(error) : callback(null, value)));
    };

  // A server stream ends with the body's error as its status, or normally.
  const serverStream = <Req>(method: string, body: (call: grpc.ServerWritableStream<Req, unknown>) => Promise<void>): grpc.handleServerStreamingCall<Req, unknown> =>
    (call) => {
      void run(method, call as AnyCall, () => body(call)).then(({ error }) => {
        if (error) call.emit('error', error);
        else call.end();
      });
    };

  server.addService(loadService(), {
    StreamData: (call: grpc.ServerReadableStream<FrameMessage, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      void run('StreamData', call as AnyCall, async () => {
        let frames = 0;
        let bytes = 0;
        // One message at a time: the next is read only once the engine took
        // this one, so HTTP/2 flow control passes the engine's backpressure on.
        const scratch = new ColumnScratch();
        for await (const message of call as AsyncIterable<FrameMessage>) {
          // The previous frame was copied by the engine (its ingest resolved).
          scratch.rewind();
          const frame = frameFromMessage(message, scratch);
          try {
            await service.ingestFrames(message.stream, [frame], 'grpc_stream');
          } catch (error) {
            (error as { framesAccepted?: number }).framesAccepted = frames;
            throw error;
          }
          frames += 1;
          bytes += frameBytes(frame);
        }
        return { frames, bytes };
      }).then(({ value, error }) => (error ? callback(error) : callback(null, value)));
    },
    BatchIngest: unary('BatchIngest', async (request: { frames: FrameMessage[] }) => {
      const results: { ok: boolean; code: string; message: string }[] = [];
      let accepted = 0;
      const scratch = new ColumnScratch();
      for (const message of request.frames) {
        scratch.rewind();
        try {
          await service.ingestFrames(message.stream, [frameFromMessage(message, scratch)], 'grpc_batch');
          results.push({ ok: true, code: '', message: '' });
          accepted += 1;
        } catch (error) {
          const report = reportOf(error);
          metrics.rejects.inc({ path: 'grpc', code: report.code });
          results.push({ ok: false, code: report.code, message: report.message });
        }
      }
      return { results, accepted, rejected: request.frames.length - accepted };
    }),
    GetStatus: unary('GetStatus', async () => statusMessage(ingestor.stats())),
    Flush: unary('Flush', async () => {
      await ingestor.flush();
      return {};
    }),
    Query: serverStream('Query', async (call: grpc.ServerWritableStream<QueryMessage, unknown>) => {
      const options = queryOptionsOf(call.request);
      const batches = ingestor.scan(call.request.stream, options);
      const emptySchema = async () => (await ingestor.query(call.request.stream, options)).schema;
      for await (const data of arrowIpcStream(batches, emptySchema)) {
        if (call.cancelled || call.destroyed) return;
        // The next batch is read only once the client took this chunk (HTTP/2 flow control).
        if (!call.write({ data })) await drainedOrClosed(call);
      }
    }),
    Subscribe: serverStream('Subscribe', (call: grpc.ServerWritableStream<SubscribeMessage, unknown>) => streamSubscription(service, call)),
  });

  const credentials = tls
    ? grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }], false)
    : grpc.ServerCredentials.createInsecure();
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(target, credentials, (error, actual) => (error ? reject(error) : resolve(actual)));
  });
  return {
    port: bound,
    drain: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
