// Shared by the server tests: a service on free loopback ports over a scratch
// dataset, closed when the test ends, and a gRPC client of the shipped .proto.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { serve, type ServeOptions, type ServerHandle } from 'simingest/server';
import type { Config } from 'simingest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const CELLS = 4;
export const serverConfig: Config = {
  streams: {
    fields: { columns: { vx: 'float64', p: 'float32', id: 'int64' }, grid: [2, 2] },
    diag: { columns: { energy: 'float64', count: 'uint16' } },
  },
  memoryLimit: 16 * 2 ** 20,
  workers: 1,
};

export async function startServer(
  t: { after(fn: () => unknown): void },
  options: Partial<ServeOptions> = {},
): Promise<{ handle: ServerHandle; url: string; dataset: string }> {
  const dataset = mkdtempSync(path.join(tmpdir(), 'simingest-serve-'));
  const handle = await serve({ dataset, config: serverConfig, port: 0, grpcPort: null, logger: false, ...options });
  // One hook: the service is closed (and its dataset released) before the directory goes.
  t.after(async () => {
    await handle.close();
    rmSync(dataset, { recursive: true, force: true });
  });
  return { handle, url: handle.address().http.url, dataset };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export const ROOT = path.resolve(__dirname, '..', '..');
export const PROTO = path.join(ROOT, 'proto', 'simingest', 'v1', 'simingest.proto');

/** An Ingest client from the shipped .proto; `C` names the methods a test calls. */
export function ingestClient<C extends grpc.Client>(target: string): C {
  const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { simingest: { v1: { Ingest: new (t: string, c: grpc.ChannelCredentials) => C } } };
  return new pkg.simingest.v1.Ingest(target, grpc.credentials.createInsecure());
}

export function bearerMetadata(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** A typed array's bytes (a gRPC Column's `data`), without a copy. */
export const bytesOf = (array: ArrayBufferView) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
