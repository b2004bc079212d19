// GET /v1/events: server-sent events with the engine's counters every 500 ms
// (twice a second, what the dashboard draws). Each open stream is kept in the
// Service so close() can end it: an open event stream would otherwise keep
// the HTTP server from closing.
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

export function sendEvents(service: Service, res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
  return new Promise<void>((resolve) => {
    const send = () => {
      if (service.ingestor.closed) return stop();
      // A client that does not keep up is not queued for: it misses events.
      if (!res.writableNeedDrain) res.write(`event: stats\ndata: ${JSON.stringify(snapshot(service.ingestor.stats()))}\n\n`);
    };
    const timer = setInterval(send, EVENT_INTERVAL_MS);
    const stop = () => {
      clearInterval(timer);
      service.liveResponses.delete(stop);
      if (!res.writableEnded) res.end();
      resolve();
    };
    service.liveResponses.add(stop);
    res.on('close', stop);
    send();
  });
}
