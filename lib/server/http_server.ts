// The REST listener: per request a request id, the token check, the route's
// handler, the engine's error mapped to a status, one log line, the request
// metrics and an OpenTelemetry span (a no-op unless the host installed an SDK).
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { SpanStatusCode } from '@opentelemetry/api';
import { SimingestError } from '../errors.js';
import { bearerCheck } from './auth.js';
import { HttpError, sendError } from './http_io.js';
import { matchRoute, type RouteContext } from './routes.js';
import type { Service } from './service.js';
import { reportOf } from './status_map.js';

export interface TlsFiles {
  cert: string | Buffer;
  key: string | Buffer;
}

// A client's id is echoed only when it is short and plain (it goes into logs).
function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[\w.:-]{1,64}$/.test(header) ? header : randomUUID();
}

export function createHttpServer(service: Service, token: string | undefined, tls: TlsFiles | undefined): http.Server {
  const authorized = bearerCheck(token);
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const reqId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', reqId);
    let routeLabel = 'unmatched';
    const ctx: Partial<RouteContext> = { service, req, res };
    let code: string | undefined;
    const span = service.tracer.startSpan(`HTTP ${req.method}`, { attributes: { 'http.method': req.method ?? '', 'http.target': req.url ?? '' } });
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const { route, params } = matchRoute(req.method ?? 'GET', url.pathname);
      routeLabel = route.path;
      span.updateName(`HTTP ${route.method} ${route.path}`);
      if (!route.public && !authorized(req.headers.authorization)) {
        throw new HttpError(401, 'ERR_UNAUTHORIZED', 'missing or wrong bearer token', { 'www-authenticate': 'Bearer' });
      }
      if (service.draining && route.method === 'POST') {
        throw new HttpError(503, 'ERR_CLOSED', 'the server is shutting down');
      }
      Object.assign(ctx, { params, url });
      await route.handler(ctx as RouteContext);
    } catch (error) {
      if (error instanceof HttpError) {
        code = error.code;
        sendError(res, error.status, error.code, error.message, {}, error.headers);
      } else {
        const report = reportOf(error);
        code = report.code;
        if (!(error instanceof SimingestError)) {
          service.logger.error({ reqId, err: error }, 'unexpected error');
        }
        const extra = ctx.frames !== undefined ? { framesAccepted: ctx.frames } : {};
        sendError(res, report.http, report.code, report.message, extra, report.http === 503 ? { 'retry-after': '1' } : {});
      }
      service.metrics.rejects.inc({ path: 'rest', code });
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      // A body left unread would keep the connection busy: drop it.
      if (!req.complete) req.resume();
    } finally {
      span.setAttribute('http.status_code', res.statusCode);
      span.end();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      service.metrics.httpRequests.inc({ method: req.method ?? '', route: routeLabel, status: res.statusCode });
      service.metrics.httpDuration.observe({ method: req.method ?? '', route: routeLabel }, seconds);
      const line = { reqId, method: req.method, url: req.url, route: routeLabel, status: res.statusCode, ms: +(seconds * 1e3).toFixed(3), ...(ctx.frames !== undefined ? { frames: ctx.frames } : {}), ...(code ? { code } : {}) };
      if (res.statusCode >= 500) service.logger.error(line, 'request');
      else if (res.statusCode >= 400) service.logger.warn(line, 'request');
      else service.logger.info(line, 'request');
    }
  };
  const options: http.ServerOptions = {
    requestTimeout: service.limits.requestTimeoutMs,
    headersTimeout: service.limits.headersTimeoutMs,
    keepAliveTimeout: 5_000,
    // How often the two timeouts above are checked (Node's default, 30 s, would let a short timeout run long).
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(service.limits.headersTimeoutMs / 4))),
  };
  const server = tls
    ? https.createServer({ ...options, cert: tls.cert, key: tls.key }, (req, res) => void handle(req, res))
    : http.createServer(options, (req, res) => void handle(req, res));
  // No traffic in either direction for this long (a silent client, or one that
  // stopped reading a query) closes the socket and with it the query.
  server.setTimeout(service.limits.idleTimeoutMs, (socket) => socket.destroy());
  // Unparseable or too slow requests never reach a handler; they are counted here.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
      : error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    service.metrics.rejects.inc({ path: 'rest', code: error.code ?? 'ERR_CLIENT' });
    if (socket.writable && error.code !== 'ECONNRESET') socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\n\r\n`);
    else socket.destroy();
  });
  return server;
}
