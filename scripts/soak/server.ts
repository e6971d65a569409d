/**
 * The soak's server, in a process of its own: one replayable stream (`GET /feed`) fed at a
 * steady rate. It reports its port, then its memory once a second, to the parent over IPC.
 */
import { createSseApp, type ConnectionManager, type SseStream } from '../../runtime/index.js';

export type SoakServerMessage = { type: 'listening'; port: number } | { type: 'memory'; at: number; rss: number; heapUsed: number; streams: number };

type Events = { tick: { n: number } };

const eventsPerSecond = Number(process.env.SOAK_EVENTS_PER_SECOND ?? 4);
const app = createSseApp<{ feed: ConnectionManager<Events> }>(
  {
    title: 'Soak',
    version: '1.0.0',
    endpoints: [
      {
        kind: 'stream',
        operationId: 'feed',
        method: 'GET',
        path: '/feed',
        specPath: '/feed',
        paramNames: [],
        security: [],
        events: { tick: { sseEvent: 'tick', contentType: 'application/json' } },
        // Covers a client's longest absence (a few seconds) many times over.
        replay: { maxEvents: 2000, ttlMs: 600_000 },
      },
    ],
  },
  { feed: (stream: SseStream<Events>) => stream.closed },
  { heartbeatMs: 5000 },
);

const send = (message: SoakServerMessage) => process.connected && process.send!(message);
const server = app.listen(0, '127.0.0.1', () => send({ type: 'listening', port: (server.address() as { port: number }).port }));

let n = 0;
const ticker = setInterval(() => app.sse.connections.feed.broadcast('tick', { n: ++n }), 1000 / eventsPerSecond);
const sampler = setInterval(() => {
  const { rss, heapUsed } = process.memoryUsage();
  send({ type: 'memory', at: Date.now(), rss, heapUsed, streams: app.sse.connections.feed.count() });
}, 1000);

process.on('disconnect', () => {
  clearInterval(ticker);
  clearInterval(sampler);
  void app.sse.close({ deadlineMs: 1000 }).then(() => server.close());
});
