// The OpenAPI 3.1 document of the REST API, served at /v1/openapi.json. It is
// written by hand (it is documentation) and checked against routes.ts by a
// test: every route is documented and every documented operation is routed.
import { STATUS_CODES } from '../errors.js';
import { httpStatusOf } from './status_map.js';

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });

// The engine codes each status can carry, so a client knows what a 400 means.
function codesFor(status: number): string {
  return Object.values(STATUS_CODES).filter((code) => httpStatusOf(code) === status).join(', ');
}

const streamParam = { name: 'stream', in: 'path', required: true, schema: { type: 'string' }, description: 'A stream declared in the configuration' };
const authErrors = { 401: errorResponse('Missing or wrong bearer token (ERR_UNAUTHORIZED)') };

export function openApiDocument(): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'simingest serve',
      version: '1',
      description: 'Ingest simulation frames into a time-partitioned Parquet dataset and read them back (docs/SERVER.md).',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', description: 'The engine status name (ERR_…) or an HTTP-level code' },
                message: { type: 'string', description: "The engine's message" },
                framesAccepted: { type: 'integer', description: 'Frames of the body ingested before the failing one' },
              },
            },
          },
        },
        Column: {
          oneOf: [
            { type: 'number', description: 'The same value for every row' },
            { type: 'array', items: { type: ['number', 'string'] }, description: "Values of the column's declared dtype (NaN, Infinity, -Infinity and 64-bit integers may be strings)" },
            {
              type: 'object', required: ['dtype', 'base64'],
              properties: { dtype: { type: 'string', enum: ['float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'] }, base64: { type: 'string', description: 'Little-endian bytes of the values' } },
            },
          ],
        },
        Frame: {
          type: 'object',
          required: ['step', 'time', 'columns'],
          properties: {
            step: { type: ['integer', 'string'] },
            time: { type: 'number' },
            columns: { type: 'object', additionalProperties: ref('Column') },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/': { get: { operationId: 'dashboard', security: [], summary: 'The live dashboard (HTML; no data, no token needed)', responses: { 200: { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } } } } },
      '/dashboard/{file}': { get: { operationId: 'dashboardFile', security: [], summary: "The dashboard's scripts and styles", parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string', enum: ['index.html', 'app.js', 'uPlot.js', 'uPlot.css'] } }], responses: { 200: { description: 'The file' }, 404: errorResponse('No such file') } } },
      '/v1/events': { get: { operationId: 'events', summary: 'Server-sent events: `stats` twice a second (counters, memory, per stream)', responses: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...authErrors } } },
      '/v1/streams/{stream}/live': {
        get: {
          operationId: 'live',
          summary: 'Server-sent events following a stream: `frame` (the latest frame of a grid stream, one column downsampled by block means) or `rows` (the rows of every new frame of a stream without a grid), twice a second',
          parameters: [
            streamParam,
            { name: 'column', in: 'query', schema: { type: 'string' }, description: 'Grid streams: the column to send (default: the first declared)' },
            { name: 'max', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 512, default: 64 }, description: 'Grid streams: at most max×max cells' },
          ],
          responses: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 400: errorResponse(codesFor(400)), 404: errorResponse(codesFor(404)), ...authErrors },
        },
      },
      '/healthz': { get: { operationId: 'healthz', security: [], summary: 'Liveness (no token needed)', responses: { 200: { description: 'The process serves requests' } } } },
      '/readyz': { get: { operationId: 'readyz', summary: 'Readiness: 503 while draining', responses: { 200: { description: 'Ready' }, 503: { description: 'Draining or closed' }, ...authErrors } } },
      '/metrics': { get: { operationId: 'metrics', summary: 'Prometheus text exposition', responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, ...authErrors } } },
      '/v1/openapi.json': { get: { operationId: 'openapi', summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) }, ...authErrors } } },
      '/v1/status': { get: { operationId: 'getStatus', summary: "The engine's statistics (docs/STATS.md)", responses: { 200: { description: 'stats()', content: json({ type: 'object' }) }, ...authErrors } } },
      '/v1/flush': { post: { operationId: 'flush', summary: 'Commit every frame ingested before this request', responses: { 200: { description: 'Committed', content: json({ type: 'object', properties: { flushed: { type: 'boolean' } } }) }, 500: errorResponse(codesFor(500)), ...authErrors } } },
      '/v1/streams': { get: { operationId: 'listStreams', summary: 'Configured streams with their columns and counters', responses: { 200: { description: 'Streams', content: json({ type: 'object' }) }, ...authErrors } } },
      '/v1/streams/{stream}/frames': {
        post: {
          operationId: 'postFrames',
          summary: 'Ingest frames; answered once the engine holds them (its backpressure delays the answer)',
          parameters: [streamParam],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { oneOf: [ref('Frame'), { type: 'array', items: ref('Frame') }] } },
              'application/vnd.apache.arrow.stream': { schema: { type: 'string', contentMediaType: 'application/vnd.apache.arrow.stream', description: 'step and time columns plus the stream\'s columns; each run of rows with equal step and time is one frame' } },
            },
          },
          responses: {
            200: { description: 'Every frame is in the engine', content: json({ type: 'object', properties: { framesAccepted: { type: 'integer' } } }) },
            400: errorResponse(codesFor(400)),
            404: errorResponse(codesFor(404)),
            409: errorResponse(codesFor(409)),
            413: errorResponse(`Body over the limit (ERR_BODY_TOO_LARGE), ${codesFor(413)}`),
            415: errorResponse('Another Content-Type'),
            503: errorResponse(codesFor(503)),
            507: errorResponse(codesFor(507)),
            ...authErrors,
          },
        },
      },
      '/v1/streams/{stream}/query': {
        get: {
          operationId: 'query',
          summary: 'Frames of a stream, committed and in flight',
          parameters: [
            streamParam,
            { name: 'steps', in: 'query', schema: { type: 'string', examples: ['10:20', '10:', ':20'] }, description: 'Inclusive step range A:B' },
            { name: 'time', in: 'query', schema: { type: 'string', examples: ['0.5:1.5'] }, description: 'Inclusive time range T0:T1' },
            { name: 'columns', in: 'query', schema: { type: 'string', examples: ['vx,vy'] }, description: 'Columns beside step and time' },
            { name: 'every', in: 'query', schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'Only every n-th step' },
          ],
          responses: {
            200: {
              description: 'Rows by Accept: Arrow IPC stream, a JSON array of rows, JSON Lines or CSV',
              content: {
                'application/vnd.apache.arrow.stream': { schema: { type: 'string' } },
                'application/json': { schema: { type: 'array', items: { type: 'object' } } },
                'application/x-ndjson': { schema: { type: 'string' } },
                'text/csv': { schema: { type: 'string' } },
              },
            },
            400: errorResponse(codesFor(400)),
            404: errorResponse(codesFor(404)),
            406: errorResponse('No acceptable format'),
            503: errorResponse(codesFor(503)),
            ...authErrors,
          },
        },
      },
    },
  };
}
