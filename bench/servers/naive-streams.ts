/** The HTTP side both naive servers share: `GET /events` opens a stream and keeps it in `streams` until it closes. */
import { createServer, type Server, type ServerResponse } from 'node:http';

export function naiveStreams(): { server: Server; streams: Set<ServerResponse> } {
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
  return { server: server.listen(0, '127.0.0.1'), streams };
}
