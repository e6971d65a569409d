import { once } from 'node:events';
import { get } from 'node:http';
import compression from 'compression';
import { EventSource } from 'eventsource';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createSseApp, createSseRouter, type SseStream } from '../../runtime/index.js';
import { listen, parseEvents, RawClient, service, streamEndpoint, waitUntil, type Running } from './helpers.js';

type Events = { tick: { n: number } };
const waitForClose = (stream: SseStream<Events>) => stream.closed;

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('opening a stream', () => {
  it('sends the headers at once, before any event, with keep-alive on HTTP/1.1', async () => {
    running = await listen(createSseApp(service(streamEndpoint()), { stream: waitForClose }));
    const client = await RawClient.get(running.port, '/stream', {}, '1.1');
    await client.waitFor((c) => c.head !== '', 100, 'response headers within 100 ms');
    expect(client.head.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(client.header('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(client.header('cache-control')).toBe('no-cache, no-transform');
    expect(client.header('x-accel-buffering')).toBe('no');
    expect(client.header('connection')).toBe('keep-alive');
    expect(parseEvents(client.body)).toEqual([]);
    client.close();
  });

  it('delivers every event at once with compression middleware mounted (no-transform keeps it uncompressed)', async () => {
    const app = express();
    app.use(compression());
    const router = createSseRouter<{ stream: { broadcast(event: 'tick', data: { n: number }): number } }>(service(streamEndpoint()), {
      stream: waitForClose,
    });
    app.use(router);
    running = await listen(app);
    const received: string[] = [];
    const response = await new Promise<import('node:http').IncomingMessage>((resolve) =>
      get(`${running!.url}/stream`, { headers: { 'Accept-Encoding': 'gzip' } }, resolve),
    );
    expect(response.headers['content-encoding']).toBeUndefined();
    response.on('data', (chunk: Buffer) => received.push(chunk.toString()));
    await waitUntil(() => received.join('').includes(': ok'), 2000, 'opening comment');
    await waitUntil(() => router.sse.connections.stream.broadcast('tick', { n: 1 }) === 1);
    await waitUntil(() => parseEvents(received.join('')).length === 1, 2000, 'first event while the stream is open');
    router.sse.connections.stream.broadcast('tick', { n: 2 });
    await waitUntil(() => parseEvents(received.join('')).length === 2, 2000, 'second event');
    expect(parseEvents(received.join('')).map((e) => e.data)).toEqual(['{"n":1}', '{"n":2}']);
    response.destroy();
    await router.sse.close({ deadlineMs: 100 });
  });

  it('answers CORS preflights and lets a cross-origin EventSource with credentials receive events', async () => {
    const origin = 'http://app.example';
    const app = createSseApp(
      service(streamEndpoint()),
      { stream: async (stream: SseStream<Events>) => stream.send('tick', { n: 1 }, { id: '1' }) },
      { cors: { origin, credentials: true } },
    );
    running = await listen(app);
    const preflight = await fetch(`${running.url}/stream`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'last-event-id' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('last-event-id');

    const seenHeaders: Headers[] = [];
    const source = new EventSource(`${running.url}/stream`, {
      withCredentials: true,
      fetch: async (url, init) => {
        const response = await fetch(url, { ...init, headers: { ...init.headers, Origin: origin } });
        seenHeaders.push(response.headers);
        return response;
      },
    });
    const [message] = (await once(source, 'tick')) as [MessageEvent];
    source.close();
    expect(message.data).toBe('{"n":1}');
    expect(message.lastEventId).toBe('1');
    expect(seenHeaders[0]!.get('access-control-allow-origin')).toBe(origin);
    expect(seenHeaders[0]!.get('access-control-allow-credentials')).toBe('true');
  });
});
