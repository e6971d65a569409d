import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What one request to the test server looked like. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Resolves when the client has gone away. */
  closed: Promise<void>;
  at: number;
}

export type Responder = (res: ServerResponse, request: RecordedRequest) => unknown;

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

/**
 * A plain node:http server on 127.0.0.1 whose n-th request is answered by `responders[n]`
 * (the last one answers every request after that).
 */
export async function startServer(responders: Responder[]): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const waiters: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body,
      closed: new Promise((resolve) => res.on('close', () => resolve())),
      at: Date.now(),
    };
    requests.push(recorded);
    for (const wake of waiters.splice(0)) wake();
    const responder = responders[Math.min(requests.length, responders.length) - 1];
    await responder?.(res, recorded);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async waitForRequests(count) {
      while (requests.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return requests;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export function openStream(res: ServerResponse, status = 200): void {
  res.writeHead(status, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

export function answerProblem(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  res.end(JSON.stringify({ type: 'about:blank', title: `Status ${status}`, status }));
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes each chunk as its own TCP write, with a pause so that the client reads them apart. */
export async function writeChunks(res: ServerResponse, chunks: Array<string | Uint8Array>): Promise<void> {
  for (const chunk of chunks) {
    res.write(chunk);
    await pause(5);
  }
}

/** Sends `retry: 0` and ends the stream at once: a reconnect storm, unless the client keeps a floor. */
export const endWithRetryZero: Responder = (res) => {
  openStream(res);
  res.end('retry: 0\n\n');
};

/** Milliseconds between one request and the next. */
export function gapsBetween(requests: RecordedRequest[]): number[] {
  return requests.slice(1).map((request, i) => request.at - requests[i]!.at);
}
