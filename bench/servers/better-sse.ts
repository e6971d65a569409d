/** better-sse with its defaults: one Session per stream, every session registered on one Channel. */
import { createServer } from 'node:http';
import { createChannel, createSession } from 'better-sse';
import { EVENT_NAME, type BenchEvent } from '../payload.js';
import { serveBench } from './harness.js';

const channel = createChannel();

const server = createServer(async (req, res) => {
  if (req.method !== 'GET' || req.url !== '/events') {
    res.writeHead(404).end();
    return;
  }
  channel.register(await createSession(req, res));
});

function broadcast(event: BenchEvent): void {
  channel.broadcast(event, EVENT_NAME);
}

await serveBench({ server: server.listen(0, '127.0.0.1'), broadcast, connections: () => channel.sessionCount });
