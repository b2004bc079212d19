// Shared by the server tests: a service on free loopback ports over a scratch
// dataset, closed when the test ends.
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
