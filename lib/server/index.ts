// `import { serve } from 'simingest/server'`: one Ingestor behind a REST
// listener and (optionally) a gRPC listener (docs/SERVER.md, ADR 0016).
import type { AddressInfo } from 'node:net';
import type * as http from 'node:http';
import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';
import type { Frame } from '../frame.js';
import { expectArgument, SimingestError } from '../errors.js';
import { Ingestor } from '../ingestor.js';
import { createGrpcServer, type GrpcListener } from './grpc_server.js';
import { createHttpServer, type TlsFiles } from './http_server.js';
import { ServiceMetrics } from './metrics.js';
import { DEFAULT_LIMITS, Service, type ServiceLimits } from './service.js';

export interface ServeOptions {
  /** Dataset directory (opened or created). */
  dataset: string;
  config: Config;
  /** Address to bind (default 127.0.0.1). Anything but loopback needs `token`. */
  host?: string;
  /** REST port (default 7070; 0 picks a free one). */
  port?: number;
  /** gRPC port (default 7071; 0 picks a free one; null: no gRPC listener). */
  grpcPort?: number | null;
  /** Bearer token every request but /healthz must carry. */
  token?: string;
  /** PEM certificate and key: HTTPS and gRPC over TLS. */
  tls?: TlsFiles;
  limits?: Partial<ServiceLimits>;
  /** A pino logger (default: JSON lines on stdout at level info); false: no logs. */
  logger?: Logger | false;
}

export interface ServerAddress {
  http: { host: string; port: number; url: string };
  grpc: { host: string; port: number; target: string } | null;
}

export interface ServerHandle {
  readonly ingestor: Ingestor;
  /**
   * Ingests a frame from the hosting process through the service, so it is
   * counted in the metrics (path "library") and followed by the live endpoint
   * and the dashboard (ingestor.ingest() directly is not).
   */
  ingest(stream: string, frame: Frame): Promise<void>;
  address(): ServerAddress;
  /**
   * Stops accepting, lets requests in progress finish, flushes and closes the
   * ingestor. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

export { type ServiceLimits, DEFAULT_LIMITS } from './service.js';
export type { TlsFiles } from './http_server.js';

/** Loopback addresses: anything else is reachable from other machines. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function listen(server: http.Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function checkPort(port: unknown, name: string): void {
  expectArgument(Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65535, 'a port from 0 to 65535', name, port);
}

export async function serve(options: ServeOptions): Promise<ServerHandle> {
  expectArgument(typeof options === 'object' && options !== null, 'an options object', 'options', options);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 7070;
  const grpcPort = options.grpcPort === undefined ? 7071 : options.grpcPort;
  expectArgument(typeof host === 'string' && host.length > 0, 'a host name or address', 'options.host', host);
  checkPort(port, 'options.port');
  if (grpcPort !== null) checkPort(grpcPort, 'options.grpcPort');
  if (options.token !== undefined) {
    expectArgument(typeof options.token === 'string' && /^\S{16,}$/.test(options.token), 'a token of at least 16 non-space characters', 'options.token', '(hidden)');
  }
  if (!isLoopback(host) && options.token === undefined) {
    throw new SimingestError(`refusing to listen on ${host} without a token: anyone who can reach it could write to the dataset (give --token-file, or bind to 127.0.0.1)`, 'ERR_INVALID_ARGUMENT');
  }
  const limits: ServiceLimits = { ...DEFAULT_LIMITS, ...options.limits };
  for (const [key, value] of Object.entries(limits)) {
    expectArgument(Number.isSafeInteger(value) && value > 0, 'a positive integer', `options.limits.${key}`, value);
  }
  const logger = options.logger === false ? pino({ enabled: false }) : options.logger ?? pino({ name: 'simingest' });

  const ingestor = await Ingestor.open(options.dataset, options.config);
  const service = new Service(ingestor, new ServiceMetrics(ingestor), logger, limits);
  const httpServer = createHttpServer(service, options.token, options.tls);
  let grpc: GrpcListener | null = null;
  let httpAddress: AddressInfo;
  try {
    httpAddress = await listen(httpServer, host, port);
    if (grpcPort !== null) grpc = await createGrpcServer(service, host, grpcPort, options.token, options.tls);
  } catch (error) {
    httpServer.close();
    await ingestor.close();
    throw error;
  }
  const scheme = options.tls ? 'https' : 'http';
  const urlHost = httpAddress.family === 'IPv6' ? `[${httpAddress.address}]` : httpAddress.address;
  const address: ServerAddress = {
    http: { host: httpAddress.address, port: httpAddress.port, url: `${scheme}://${urlHost}:${httpAddress.port}` },
    grpc: grpc ? { host, port: grpc.port, target: `${host.includes(':') ? `[${host}]` : host}:${grpc.port}` } : null,
  };
  logger.info({ http: address.http.url, grpc: address.grpc?.target ?? null, dataset: options.dataset }, 'listening');

  let closing: Promise<void> | null = null;
  return {
    ingestor,
    ingest: async (stream, frame) => {
      await service.ingestFrames(stream, [frame], 'library');
    },
    address: () => address,
    close: () => {
      closing ??= (async () => {
        service.draining = true;
        logger.info({ dataset: options.dataset }, 'draining');
        // Stop accepting; requests in progress finish (keep-alive sockets close once idle).
        const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        for (const stop of [...service.liveResponses]) stop();
        httpServer.closeIdleConnections();
        await Promise.all([httpClosed, grpc?.drain()]);
        await service.tracer.startActiveSpan('simingest.close', async (span) => {
          try {
            await ingestor.close(); // flushes: every accepted frame is committed
          } finally {
            span.end();
          }
        });
        logger.info({ dataset: options.dataset }, 'closed');
      })();
      return closing;
    },
  };
}
