// GET /v1/events: server-sent events with the engine's counters every 500 ms
// (twice a second, what the dashboard draws), and the ticking both event
// streams share. Each open stream is kept in the Service so close() can end
// it: an open event stream would otherwise keep the HTTP server from closing.
import type { ServerResponse } from 'node:http';
import type { Stats } from '../stats.js';
import type { Service } from './service.js';

export const EVENT_INTERVAL_MS = 500;

/** What one event carries: counters only, not the recovery report or histograms. */
function snapshot(stats: Stats) {
  return {
    at: Date.now(),
    memoryUsed: stats.memoryUsed,
    memoryLimit: stats.memoryLimit,
    queueDepth: stats.queueDepth,
    bytesIn: stats.bytesIn,
    framesAccepted: stats.framesAccepted,
    framesCommitted: stats.framesCommitted,
    streams: stats.streams,
  };
}

/**
 * Runs `tick` twice a second on an open event stream until the client goes,
 * close() ends it, or a tick fails or calls `stop`. A client that does not
 * keep up is not queued for: it misses ticks, as does a tick still running.
 */
export function everyInterval(
  service: Service,
  res: ServerResponse,
  tick: (stop: () => void) => void | Promise<void>,
  options: { now?: boolean } = {},
): Promise<void> {
  return new Promise<void>((resolve) => {
    let busy = false;
    const run = () => {
      if (busy || res.writableNeedDrain) return;
      busy = true;
      new Promise<void>((done) => done(tick(stop))).catch(() => stop()).finally(() => { busy = false; });
    };
    const timer = setInterval(run, EVENT_INTERVAL_MS);
    const stop = () => {
      clearInterval(timer);
      service.liveResponses.delete(stop);
      if (!res.writableEnded) res.end();
      resolve();
    };
    service.liveResponses.add(stop);
    res.on('close', stop);
    if (options.now) run();
  });
}

export function sendEvents(service: Service, res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
  return everyInterval(service, res, (stop) => {
    if (service.ingestor.closed) return stop();
    res.write(`event: stats\ndata: ${JSON.stringify(snapshot(service.ingestor.stats()))}\n\n`);
  }, { now: true });
}
