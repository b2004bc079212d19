// The dashboard's static files: a fixed list, read once. A request names a
// key of this list, never a path, so nothing from a request reaches the file system.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { HttpError } from './http_io.js';

// dist/server/ → the package's lib/server/dashboard/ (shipped as source: plain files).
const DIR = path.resolve(__dirname, '..', '..', 'lib', 'server', 'dashboard');

const FILES: Record<string, { file: () => string; type: string }> = {
  'index.html': { file: () => path.join(DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  'app.js': { file: () => path.join(DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.js': { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

const cache = new Map<string, Buffer>();

export function dashboardFile(name: string): { body: Buffer; type: string } {
  const entry = Object.prototype.hasOwnProperty.call(FILES, name) ? FILES[name] : undefined;
  if (!entry) throw new HttpError(404, 'ERR_NOT_FOUND', `no dashboard file ${JSON.stringify(name)}`);
  let body = cache.get(name);
  if (!body) {
    body = readFileSync(entry.file());
    cache.set(name, body);
  }
  return { body, type: entry.type };
}
