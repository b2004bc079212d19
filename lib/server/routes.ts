// Every REST route: method, path template (OpenAPI syntax, matched by the
// router and listed by openapi.ts — a test checks the two agree) and handler.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { framesFromArrow } from '../arrow.js';
import { declaredDtype } from '../config.js';
import { SimingestError } from '../errors.js';
import type { Frame } from '../frame.js';
import { loadArrow } from '../query_arrow.js';
import { dashboardFile } from './dashboard_files.js';
import { framesFromJson } from './frames_json.js';
import { sendEvents } from './live_events.js';
import { sendLive } from './live_stream.js';
import { HttpError, mediaType, readBody, sendJson } from './http_io.js';
import { openApiDocument } from './openapi.js';
import { ARROW_STREAM, queryOptions, sendQuery } from './query_response.js';
import type { Service } from './service.js';

export interface RouteContext {
  service: Service;
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  url: URL;
  /** Set by a handler that ingests: how many frames reached the engine (for the log line). */
  frames?: number;
}

export interface Route {
  method: 'GET' | 'POST';
  /** An OpenAPI path template, e.g. /v1/streams/{stream}/frames. */
  path: string;
  operationId: string;
  /** Reachable without a token (only the liveness probe). */
  public?: boolean;
  handler(ctx: RouteContext): Promise<void>;
}

function framesOfArrowBody(body: Buffer): Frame[] {
  let table;
  try {
    table = loadArrow().tableFromIPC(body);
  } catch (error) {
    throw new SimingestError(`body: not a valid Arrow IPC stream (${(error as Error).message})`, 'ERR_INVALID_ARGUMENT');
  }
  // A truncated stream can still parse up to the last whole message: the
  // end-of-stream marker is the only evidence the body arrived whole.
  if (body.length < 8 || body.readUInt32LE(body.length - 8) !== 0xffffffff || body.readUInt32LE(body.length - 4) !== 0) {
    throw new SimingestError('body: Arrow IPC stream without its end-of-stream marker (truncated?)', 'ERR_INVALID_ARGUMENT');
  }
  return framesFromArrow(table);
}

async function postFrames(ctx: RouteContext): Promise<void> {
  const { service, req, res, params } = ctx;
  const type = mediaType(req.headers['content-type']);
  if (type !== 'application/json' && type !== ARROW_STREAM) {
    throw new HttpError(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type || '(none)'} is not accepted; send application/json or ${ARROW_STREAM}`);
  }
  const body = await readBody(req, service.limits.bodyBytes, service.bodies);
  try {
    // Every frame of the body is parsed and shape-checked before the first is ingested.
    const frames = type === ARROW_STREAM ? framesOfArrowBody(body) : framesFromJson(service.config, params.stream!, body);
    const path = type === ARROW_STREAM ? 'rest_arrow' : 'rest_json';
    ctx.frames = 0;
    try {
      ctx.frames = await service.ingestFrames(params.stream!, frames, path);
    } catch (error) {
      ctx.frames = (error as { framesAccepted?: number }).framesAccepted ?? 0;
      throw error;
    }
  } finally {
    // The engine copied every frame it took (ingestFrames awaits each), and a
    // refused body is not referred to by anything: the memory can be reused.
    service.bodies.release(body);
  }
  sendJson(res, 200, { framesAccepted: ctx.frames });
}

function sendFile(res: ServerResponse, name: string): void {
  const { body, type } = dashboardFile(name);
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-cache' });
  res.end(body);
}

export const ROUTES: Route[] = [
  // The dashboard's page and scripts hold no data (it comes from /v1/events with the token): public.
  { method: 'GET', path: '/', operationId: 'dashboard', public: true, handler: async ({ res }) => sendFile(res, 'index.html') },
  { method: 'GET', path: '/dashboard/{file}', operationId: 'dashboardFile', public: true, handler: async ({ res, params }) => sendFile(res, params.file!) },
  { method: 'GET', path: '/v1/events', operationId: 'events', handler: ({ res, service }) => sendEvents(service, res) },
  {
    method: 'GET', path: '/v1/streams/{stream}/live', operationId: 'live',
    handler: ({ res, service, params, url }) => sendLive(service, res, params.stream!, url.searchParams),
  },
  {
    method: 'GET', path: '/healthz', operationId: 'healthz', public: true,
    handler: async ({ res }) => sendJson(res, 200, { status: 'ok' }),
  },
  {
    method: 'GET', path: '/readyz', operationId: 'readyz',
    handler: async ({ res, service }) => {
      const ready = !service.draining && !service.ingestor.closed;
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'draining' });
    },
  },
  {
    method: 'GET', path: '/metrics', operationId: 'metrics',
    handler: async ({ res, service }) => {
      const text = await service.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': service.metrics.registry.contentType });
      res.end(text);
    },
  },
  {
    method: 'GET', path: '/v1/openapi.json', operationId: 'openapi',
    handler: async ({ res }) => sendJson(res, 200, openApiDocument()),
  },
  {
    method: 'GET', path: '/v1/status', operationId: 'getStatus',
    handler: async ({ res, service }) => sendJson(res, 200, service.ingestor.stats()),
  },
  {
    method: 'POST', path: '/v1/flush', operationId: 'flush',
    handler: async ({ res, service }) => {
      await service.tracer.startActiveSpan('simingest.flush', async (span) => {
        try {
          await service.ingestor.flush();
        } finally {
          span.end();
        }
      });
      sendJson(res, 200, { flushed: true });
    },
  },
  {
    method: 'GET', path: '/v1/streams', operationId: 'listStreams',
    handler: async ({ res, service }) => {
      const stats = service.ingestor.stats();
      const streams = Object.entries(service.config.streams).map(([name, s]) => ({
        name,
        columns: Object.fromEntries(Object.keys(s.columns).map((c) => [c, declaredDtype(service.config, name, c)])),
        grid: s.grid ?? null,
        stats: stats.streams[name] ?? null,
      }));
      sendJson(res, 200, { streams });
    },
  },
  { method: 'POST', path: '/v1/streams/{stream}/frames', operationId: 'postFrames', handler: postFrames },
  {
    method: 'GET', path: '/v1/streams/{stream}/query', operationId: 'query',
    handler: async ({ res, req, service, params, url }) =>
      sendQuery(res, service.ingestor, params.stream!, queryOptions(url.searchParams), req.headers.accept),
  },
];

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

const COMPILED: CompiledRoute[] = ROUTES.map((route) => {
  const names: string[] = [];
  const source = route.path.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
});

/** The route of a request, its decoded path parameters, or a 404/405 HttpError. */
export function matchRoute(method: string, pathname: string): { route: Route; params: Record<string, string> } {
  let pathMatched = false;
  for (const { route, pattern, names } of COMPILED) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      try {
        params[name] = decodeURIComponent(match[i + 1]!);
      } catch {
        throw new HttpError(400, 'ERR_INVALID_ARGUMENT', `path parameter ${name}: malformed percent-encoding`);
      }
    });
    return { route, params };
  }
  if (pathMatched) {
    const allowed = ROUTES.filter((r) => COMPILED.find((c) => c.route === r)!.pattern.test(pathname)).map((r) => r.method);
    throw new HttpError(405, 'ERR_METHOD_NOT_ALLOWED', `${method} is not allowed on ${pathname}`, { allow: allowed.join(', ') });
  }
  throw new HttpError(404, 'ERR_NOT_FOUND', `no route ${pathname}`);
}
