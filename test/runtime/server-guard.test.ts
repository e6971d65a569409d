import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appServerOptions, createSseApp, guardServer, type SseStream } from '../../runtime/index.js';
import { compile, RawClient, receiveEndpoint, service, streamEndpoint } from './helpers.js';

const app = createSseApp(service(streamEndpoint({ heartbeatMs: 100 }), receiveEndpoint({ body: compile({ type: 'object' }) })), {
  stream: (stream: SseStream<{ tick: unknown }>) => stream.closed,
  receive: () => undefined,
});
const limits = { headersTimeoutMs: 1000, requestTimeoutMs: 1500, checkIntervalMs: 100 };
let server: Server;
let port: number;
beforeAll(async () => {
  server = guardServer(createServer(appServerOptions(app), app), limits);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await app.sse.close({ deadlineMs: 100 });
  server.closeAllConnections();
  server.close();
});

async function expectProblem(request: string, status: number): Promise<void> {
  const client = await RawClient.open(port, request);
  await client.waitForEnd();
  expect(client.status).toBe(status);
  expect(client.header('content-type')).toBe('application/problem+json');
  expect(client.header('connection')).toBe('close');
  expect(JSON.parse(client.body)).toMatchObject({ type: 'about:blank', status });
}

describe('requests Node refuses to parse are answered with problem+json, then the socket closes', () => {
  it.each([
    ['a bare CR in a header value', 'GET /stream HTTP/1.1\r\nHost: x\r\nX-Evil: a\rb\r\n\r\n', 400],
    ['a bad chunk size', 'POST /messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 400],
    ['both Content-Length and Transfer-Encoding', 'POST /messages HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n', 400],
    ['an unknown method', 'BREW /stream HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a header past 16 KB', `GET /stream HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['a request line that is not HTTP', 'hello there\r\n\r\n', 400],
  ])('%s', (_what, request, status) => expectProblem(request, status));
});

describe('timeouts', () => {
  it('closes a socket dripping its headers (slowloris) with 408 within the headers timeout plus one check', async () => {
    const started = Date.now();
    const client = await RawClient.open(port, 'GET /stream HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => client.socket.writable && client.socket.write('X-A: b\r\n'), 100);
    await client.waitForEnd(limits.headersTimeoutMs + 2000);
    clearInterval(drip);
    expect(Date.now() - started).toBeLessThan(limits.headersTimeoutMs + limits.checkIntervalMs + 1000);
    expect(client.status).toBe(408);
    expect(client.header('content-type')).toBe('application/problem+json');
  });

  it('closes a socket that connects and says nothing', async () => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const started = Date.now();
    socket.resume();
    await once(socket, 'close');
    expect(Date.now() - started).toBeLessThan(limits.headersTimeoutMs + limits.checkIntervalMs + 1000);
  });

  it('closes a request whose body drips past the request timeout with 408', async () => {
    const client = await RawClient.open(port, 'POST /messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    const drip = setInterval(() => client.socket.writable && client.socket.write(' '), 100);
    await client.waitForEnd(limits.requestTimeoutMs + 2000);
    clearInterval(drip);
    expect(client.status).toBe(408);
  });

  it('leaves an open event stream alone past the request timeout', async () => {
    const client = await RawClient.get(port, '/stream', {}, '1.1');
    await new Promise((resolve) => setTimeout(resolve, limits.requestTimeoutMs + 500));
    const before = client.bytes.length;
    await client.waitFor((c) => c.bytes.length > before, 1000, 'a heartbeat');
    expect(client.ended).toBe(false);
    expect(client.status).toBe(200);
    client.close();
  });
});
