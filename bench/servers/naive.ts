/** Baseline: a hand-written node:http SSE server that serializes each event once and writes it to every response. */
import { createServer, type ServerResponse } from 'node:http';
import { EVENT_NAME, type BenchEvent } from '../payload.js';
import { serveBench } from './harness.js';

const streams = new Set<ServerResponse>();

const server = createServer((req, res) => {
  if (req.method !== 'GET' || req.url !== '/events') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
  streams.add(res);
  res.on('close', () => streams.delete(res));
});

function broadcast(event: BenchEvent): void {
  const frame = Buffer.from(`event: ${EVENT_NAME}\ndata: ${JSON.stringify(event)}\n\n`);
  for (const res of streams) res.write(frame);
}

await serveBench({ server: server.listen(0, '127.0.0.1'), broadcast, connections: () => streams.size });
