import type { Handlers } from '../generated/server.js';
import { matches } from '../demo/logs.js';
import type { Demo } from '../demo/services.js';

const BACKLOG = 50;

/** The last 50 matching entries; then, while `follow` is true (the default), live ones. */
export function streamLogs(demo: Demo): Handlers['streamLogs'] {
  return async (stream, { query }) => {
    const filter = { level: query.level, service: query.service };
    for (const entry of demo.logs.recent(filter, BACKLOG)) stream.send('log', entry);
    if (query.follow === false) return;
    const stop = demo.logs.follow((entry) => {
      if (matches(entry, filter)) stream.send('log', entry);
    });
    try {
      await stream.closed;
    } finally {
      stop();
    }
  };
}
