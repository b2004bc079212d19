// GET /v1/streams/{stream}/live: server-sent events following one stream as
// frames arrive through the service. A stream with a grid sends its latest
// frame's column downsampled to at most max×max cells (`frame` events, for a
// heatmap); a stream without one sends the rows of every frame since the last
// event (`rows` events, for plots against step). Checked twice a second; a
// tick that finds nothing new sends a comment line, which also keeps the
// connection out of the idle timeout.
import type { ServerResponse } from 'node:http';
import { declaredDtype } from '../config.js';
import { SimingestError } from '../errors.js';
import { everyInterval } from './live_events.js';
import type { Service } from './service.js';

/** Block means of a rows×cols C-order grid, down to at most max×max. */
export function downsample(values: ArrayLike<number | bigint>, rows: number, cols: number, max: number): { shape: [number, number]; values: number[] } {
  const fy = Math.ceil(rows / max);
  const fx = Math.ceil(cols / max);
  const outRows = Math.ceil(rows / fy);
  const outCols = Math.ceil(cols / fx);
  const out = new Array<number>(outRows * outCols).fill(0);
  const counts = new Array<number>(outRows * outCols).fill(0);
  for (let y = 0; y < rows; y += 1) {
    for (let x = 0; x < cols; x += 1) {
      const k = Math.floor(y / fy) * outCols + Math.floor(x / fx);
      out[k]! += Number(values[y * cols + x]);
      counts[k]! += 1;
    }
  }
  return { shape: [outRows, outCols], values: out.map((sum, k) => sum / counts[k]!) };
}

function intParam(params: URLSearchParams, name: string, fallback: number, lo: number, hi: number): number {
  const text = params.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new SimingestError(`query parameter ${name}=${text}: expected an integer from ${lo} to ${hi}`, 'ERR_INVALID_ARGUMENT');
  }
  return value;
}

export async function sendLive(service: Service, res: ServerResponse, stream: string, params: URLSearchParams): Promise<void> {
  const { ingestor } = service;
  const streamConfig = Object.prototype.hasOwnProperty.call(service.config.streams, stream) ? service.config.streams[stream] : undefined;
  const grid = streamConfig?.grid ?? [];
  const column = params.get('column') ?? Object.keys(streamConfig?.columns ?? {})[0] ?? '';
  const max = intParam(params, 'max', 64, 1, 512);
  // The engine names an unknown stream or column, before the event stream starts.
  await ingestor.query(stream, { steps: [0, 0], columns: grid.length > 0 ? [column] : [] });
  if (grid.length > 0 && declaredDtype(service.config, stream, column) === undefined) {
    throw new SimingestError(`live: stream "${stream}" has no column "${column}"`, 'ERR_UNKNOWN_COLUMN');
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });

  let sent: number | bigint | null = null;
  const tick = async (): Promise<void> => {
    const last = service.lastStep.get(stream);
    if (last === undefined || last === sent) {
      res.write(':\n\n');
      return;
    }
    if (grid.length > 0) {
      const result = await ingestor.query(stream, { steps: [last, last], columns: [column], asGrid: true });
      const frames = result.shape[0]!;
      if (frames === 0) return;
      const rows = grid.length >= 2 ? grid[grid.length - 2]! : 1;
      const cols = grid[grid.length - 1]!;
      const cells = result.shape.slice(1).reduce((a, b) => a * b, 1);
      // The first rows×cols slice of the frame (a 3D grid shows its first plane).
      const frame = result.columns[column]!.subarray((frames - 1) * cells, (frames - 1) * cells + rows * cols);
      const { shape, values } = downsample(frame, rows, cols, max);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      const event = { step: Number(result.step[frames - 1]), time: result.time[frames - 1], column, grid, shape, min: lo, max: hi, values };
      res.write(`event: frame\ndata: ${JSON.stringify(event)}\n\n`);
    } else {
      const from = sent === null ? -(2n ** 63n) : BigInt(sent) + 1n;
      const table = await ingestor.query(stream, { steps: [from, BigInt(last)] });
      const columns: Record<string, number[]> = {};
      for (const field of table.schema.fields) {
        columns[field.name] = Array.from(table.getChild(field.name)!.toArray() as ArrayLike<number | bigint>, Number);
      }
      res.write(`event: rows\ndata: ${JSON.stringify({ rows: table.numRows, columns })}\n\n`);
    }
    sent = last;
  };

  return everyInterval(service, res, tick);
}
