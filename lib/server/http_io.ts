// Reading request bodies with a byte limit and writing responses, for every
// REST handler. A failure that is not the engine's (no route, a body too
// large, a bad token) is an HttpError with its own status and code.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyPool } from './body_pool.js';

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * The whole body, refused with 413 as soon as it is known to exceed `limit`
 * bytes. With a pool and a Content-Length, it is read into pooled memory: the
 * caller gives it back with pool.release(body) once nothing refers to it.
 */
export async function readBody(req: IncomingMessage, limit: number, pool?: BodyPool): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    throw new HttpError(413, 'ERR_BODY_TOO_LARGE', `request body of ${declared} bytes exceeds the limit of ${limit} bytes`);
  }
  // Node's parser delivers exactly Content-Length bytes (or fails the request).
  const length = declared === undefined ? -1 : Number(declared);
  const into = pool !== undefined && Number.isSafeInteger(length) && length > 0 ? pool.acquire(length) : undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (total + chunk.length > limit) {
        throw new HttpError(413, 'ERR_BODY_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`);
      }
      if (into !== undefined) chunk.copy(into, total);
      else chunks.push(chunk);
      total += chunk.length;
    }
  } catch (error) {
    if (into !== undefined) pool!.release(into);
    throw error;
  }
  if (into !== undefined) return into;
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, extra: object = {}, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    // A streamed response already started: all that can be said is that it ends early.
    res.destroy();
    return;
  }
  sendJson(res, status, { error: { code, message, ...extra } }, headers);
}

/** Writes with the socket's backpressure; resolves false if the client went away. */
export async function writeChunk(res: ServerResponse, chunk: string | Uint8Array): Promise<boolean> {
  if (res.destroyed) return false;
  if (chunk.length === 0 || res.write(chunk)) return true;
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => () => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}
