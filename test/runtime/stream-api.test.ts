import diagnosticsChannel from 'node:diagnostics_channel';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSseApp,
  diagnosticsChannels,
  HttpProblem,
  PayloadValidationError,
  type ConnectionManager,
  type SseStream,
} from '../../runtime/index.js';
import type { Runtime } from '../../runtime/runtime.js';
import { channelStreamEndpoint, compile, listen, parseEvents, RawClient, receiveEndpoint, service, streamEndpoint, waitUntil, type Running } from './helpers.js';

type Tick = { tick: { n: number } };
const quiet = { warn() {}, error() {} };
const tickSchema = compile({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });
const validatedTick = streamEndpoint({ events: { tick: { sseEvent: 'tick', contentType: 'application/json', validate: tickSchema } } });

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function serve(...args: Parameters<typeof createSseApp>) {
  const app = createSseApp<Record<string, ConnectionManager<Record<string, unknown>>>>(...args);
  running = await listen(app);
  return app;
}

async function streamBody(path: string, headers: Record<string, string> = {}): Promise<RawClient> {
  const client = await RawClient.get(running!.port, path, headers);
  await client.waitForEnd();
  return client;
}

describe('the handler stream API', () => {
  it('streams what an async iterable yields, then ends the stream', async () => {
    await serve(service(streamEndpoint()), {
      stream: async function* () {
        for (let n = 1; n <= 3; n++) yield { event: 'tick', data: { n }, id: String(n) };
      },
    });
    const client = await streamBody('/stream');
    expect(client.events()).toEqual([1, 2, 3].map((n) => ({ event: 'tick', id: String(n), data: `{"n":${n}}` })));
  });

  it('turns a throwing handler into a safe error event, closes, and keeps serving', async () => {
    const errors: unknown[] = [];
    const onError = (message: unknown) => errors.push(message);
    diagnosticsChannel.subscribe('asyncapi-sse:stream:error', onError);
    const logged: string[] = [];
    await serve(
      service(streamEndpoint()),
      {
        stream: async (stream: SseStream<Tick>) => {
          stream.send('tick', { n: 1 });
          throw new Error('database password is hunter2');
        },
      },
      { logger: { warn() {}, error: (message) => logged.push(message) } },
    );
    const client = await streamBody('/stream');
    diagnosticsChannel.unsubscribe('asyncapi-sse:stream:error', onError);
    expect(client.events()).toEqual([
      { event: 'tick', id: undefined, data: '{"n":1}' },
      { event: 'error', id: undefined, data: '{"type":"about:blank","title":"Internal Server Error","status":500}' },
    ]);
    expect(client.body).not.toContain('hunter2');
    expect(logged).toEqual(['stream handler of stream failed']);
    expect(errors).toHaveLength(1);
    expect((await streamBody('/stream')).status).toBe(200);
  });

  it('rejects an invalid outgoing payload without writing it', async () => {
    const caught: unknown[] = [];
    await serve(service(validatedTick), {
      stream: (stream: SseStream<Record<string, unknown>>) => {
        try {
          stream.send('tick', { n: 'one' });
        } catch (error) {
          caught.push(error);
        }
        stream.send('tick', { n: 2 });
      },
    });
    const client = await streamBody('/stream');
    expect(client.events().map((e) => e.data)).toEqual(['{"n":2}']);
    expect(caught[0]).toBeInstanceOf(PayloadValidationError);
    expect((caught[0] as PayloadValidationError).issues).toMatchObject([{ instancePath: '/n', message: 'must be integer' }]);
  });

  it('sends unchecked payloads when outgoing validation is off', async () => {
    await serve(service(validatedTick), { stream: (stream: SseStream<Record<string, unknown>>) => stream.send('tick', { n: 'one' }) }, { validateOutgoing: false });
    expect((await streamBody('/stream')).events().map((e) => e.data)).toEqual(['{"n":"one"}']);
  });

  it('resolves closed and aborts the signal when the client leaves', async () => {
    let signal: AbortSignal | undefined;
    let closed = false;
    const app = await serve(service(streamEndpoint()), {
      stream: async (stream: SseStream<Tick>) => {
        signal = stream.signal;
        await stream.closed;
        closed = stream.isClosed;
      },
    });
    const client = await RawClient.get(running!.port, '/stream');
    await waitUntil(() => app.sse.connections.stream!.count() === 1);
    expect(signal?.aborted).toBe(false);
    client.close();
    await waitUntil(() => closed, 2000, 'closed to resolve');
    expect(signal?.aborted).toBe(true);
    expect(app.sse.connections.stream!.count()).toBe(0);
  });

  it('keeps a POST stream open after its body was read, and notices when the client leaves', async () => {
    let closedAt = 0;
    const app = await serve(
      service(streamEndpoint({ method: 'POST', body: compile({ type: 'object', properties: { from: { type: 'integer' } }, required: ['from'] }) })),
      {
        stream: async (stream: SseStream<Tick>, context: { body: { from: number } }) => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          stream.send('tick', { n: context.body.from });
          await stream.closed;
          closedAt = Date.now();
        },
      },
    );
    const body = '{"from":41}';
    const client = await RawClient.open(
      running!.port,
      `POST /stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    await client.waitFor((c) => c.text.includes('data: {"n":41}'), 2000, 'event sent after the body was consumed');
    expect(app.sse.connections.stream!.count()).toBe(1);
    client.close();
    await waitUntil(() => closedAt > 0, 2000, 'disconnect to be noticed');
  });

  it('writes heartbeats from one shared timer and stops it when the last client leaves', async () => {
    const app = await serve(service(streamEndpoint({ heartbeatMs: 20 })), { stream: (stream: SseStream<Tick>) => stream.closed });
    const runtime = app.sse as unknown as Runtime<unknown>;
    const clients = await Promise.all([1, 2, 3, 4, 5].map(() => RawClient.get(running!.port, '/stream')));
    await Promise.all(clients.map((client) => client.waitFor((c) => c.body.includes(':\n\n:\n\n'), 2000, 'two heartbeats')));
    expect(runtime.timers).toBe(1);
    for (const client of clients) client.close();
    await waitUntil(() => runtime.size === 0);
    expect(runtime.timers).toBe(0);
  });

  it('spreads the heartbeats of many streams over the interval, each stream still getting one per interval', async () => {
    await serve(service(streamEndpoint({ heartbeatMs: 2000 })), { stream: (stream: SseStream<Tick>) => stream.closed });
    const clients = await Promise.all(Array.from({ length: 32 }, () => RawClient.get(running!.port, '/stream')));
    const beats = (client: RawClient) => client.body.split(':\n\n').length - 1;
    const firstBeatAt = new Map<RawClient, number>();
    const started = Date.now();
    await waitUntil(
      () => {
        for (const client of clients) if (!firstBeatAt.has(client) && beats(client) > 0) firstBeatAt.set(client, Date.now() - started);
        return firstBeatAt.size === clients.length;
      },
      3000,
      'a heartbeat on every stream',
    );
    const times = [...firstBeatAt.values()];
    // One shared tick for all of them would land every first heartbeat within a few ms.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(1000);
    // 2.3 s after the last first heartbeat, each stream has had its second, and none more than a third.
    await new Promise((resolve) => setTimeout(resolve, 2300));
    for (const client of clients) expect(beats(client)).toBeGreaterThanOrEqual(2);
    for (const client of clients) expect(beats(client)).toBeLessThanOrEqual(3);
    for (const client of clients) client.close();
  });

  it('ends a stream at its maximum duration; EventSource then reconnects', async () => {
    let opened = 0;
    await serve(service(streamEndpoint({ heartbeatMs: 20, maxDurationMs: 50, retryMs: 10 })), {
      stream: (stream: SseStream<Tick>) => {
        opened++;
        return stream.closed;
      },
    });
    const client = await streamBody('/stream');
    expect(client.body.startsWith(': ok\nretry: 10\n\n')).toBe(true);
    const source = new EventSource(`${running!.url}/stream`);
    await waitUntil(() => opened >= 3, 3000, 'EventSource to reconnect');
    source.close();
  });

  it('publishes lifecycle signals on diagnostics_channel', async () => {
    const seen: string[] = [];
    const names = ['executing', 'started', 'ended', 'clientDisconnected'] as const;
    const listeners = names.map((name) => {
      const listener = (message: unknown) => {
        if ((message as { operationId: string }).operationId === 'observed') seen.push(name);
      };
      diagnosticsChannels[name].subscribe(listener);
      return listener;
    });
    await serve(service(streamEndpoint({ operationId: 'observed' })), { observed: (stream: SseStream<Tick>) => stream.closed });
    const client = await RawClient.get(running!.port, '/stream');
    await waitUntil(() => seen.includes('started'));
    client.close();
    await waitUntil(() => seen.includes('ended'));
    names.forEach((name, i) => diagnosticsChannels[name].unsubscribe(listeners[i]!));
    expect(seen).toEqual(['executing', 'started', 'clientDisconnected', 'ended']);
  });
});

describe('the connection manager', () => {
  const channelStream = channelStreamEndpoint({
    events: { message: { sseEvent: 'message', contentType: 'application/json' } },
  });
  const postMessage = receiveEndpoint({ operationId: 'postMessage', path: '/channels/:channel/messages', specPath: '/channels/{channel}/messages', paramNames: ['channel'] });
  type Manager = ConnectionManager<{ message: { text: string } }, { channel: string }, { role?: string }>;

  it('lists, filters, broadcasts by topic and filter, counts and disconnects', async () => {
    const app = await serve(service(channelStream, postMessage), {
      channelStream: (stream: SseStream<Record<string, unknown>, { channel: string }, { role?: string }>, context: { query: { role?: string } }) => {
        stream.metadata.role = context.query.role;
        return stream.closed;
      },
      postMessage: (context: { params: { channel: string }; body: { text: string }; connections: { channelStream: Manager } }) => {
        const delivered = context.connections.channelStream.broadcast('message', context.body, { topic: { channel: context.params.channel } });
        return { status: 200, body: { delivered } };
      },
    });
    const manager = app.sse.connections.channelStream as unknown as Manager;
    const general = await Promise.all(['admin', 'user'].map((role) => RawClient.get(running!.port, `/channels/general/stream?role=${role}`)));
    const random = await RawClient.get(running!.port, '/channels/random/stream?role=user');
    await waitUntil(() => manager.count() === 3);

    expect(manager.count((c) => c.params.channel === 'general')).toBe(2);
    expect(manager.list((c) => c.metadata.role === 'admin').map((c) => c.params)).toEqual([{ channel: 'general' }]);
    const first = manager.list()[0]!;
    expect(manager.get(first.id)).toBe(first);
    expect(first.operationId).toBe('channelStream');

    const response = await fetch(`${running!.url}/channels/general/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"text":"hi"}',
    });
    expect(await response.json()).toEqual({ delivered: 2 });
    expect(manager.broadcast('message', { text: 'admins' }, { filter: (c) => c.metadata.role === 'admin' })).toBe(1);
    expect(manager.broadcast('message', { text: 'all' })).toBe(3);
    await waitUntil(() => general.every((c) => parseEvents(c.body).some((e) => e.data.includes('all'))));
    await waitUntil(() => parseEvents(random.body).length === 1);

    expect(general.map((c) => c.events().map((e) => JSON.parse(e.data).text))).toEqual([['hi', 'admins', 'all'], ['hi', 'all']]);
    expect(random.events().map((e) => JSON.parse(e.data).text)).toEqual(['all']);

    expect(manager.disconnect((c) => c.params.channel === 'random')).toBe(1);
    await random.waitForEnd();
    expect(manager.count()).toBe(2);
    for (const client of general) client.close();
    await waitUntil(() => manager.count() === 0);
  });
});

describe('broadcasts waiting for one write', () => {
  it('keep call order with a stream\'s own events, skip a stream that opened after them, and leave before close', async () => {
    const streams: Array<SseStream<Tick>> = [];
    // A long coalescing window holds broadcasts made soon after a flush, so a client can connect while they wait.
    const app = await serve(service(streamEndpoint()), { stream: (stream: SseStream<Tick>) => (streams.push(stream), stream.closed) }, { coalesceMs: 300 });
    const manager = app.sse.connections.stream as unknown as ConnectionManager<Tick>;
    const first = await RawClient.get(running!.port, '/stream');
    await waitUntil(() => streams.length === 1);
    manager.broadcast('tick', { n: 1 });
    streams[0]!.send('tick', { n: 2 });
    manager.broadcast('tick', { n: 3 });
    await waitUntil(() => first.events().length === 3);
    manager.broadcast('tick', { n: 4 });
    const second = await RawClient.get(running!.port, '/stream');
    await waitUntil(() => streams.length === 2);
    manager.broadcast('tick', { n: 5 });
    streams[1]!.send('tick', { n: 6 });
    await waitUntil(() => first.events().length === 5 && second.events().length === 2);
    manager.broadcast('tick', { n: 7 });
    streams[0]!.close();
    await first.waitForEnd();
    const numbers = (client: RawClient) => client.events().map((event) => JSON.parse(event.data).n);
    expect(numbers(first)).toEqual([1, 2, 3, 4, 5, 7]);
    await waitUntil(() => second.events().length === 3);
    expect(numbers(second)).toEqual([5, 6, 7]);
    second.close();
  });
});

describe('guarded stream handlers', () => {
  const known = new Set(['general']);
  const guarded = {
    stream: {
      admit: async ({ params }: { params: { channel: string } }) => {
        if (!known.has(params.channel)) throw new HttpProblem(404, `No channel ${params.channel}`);
      },
      stream: (stream: SseStream<Tick, { channel: string }>) => {
        stream.send('tick', { n: stream.params.channel.length });
      },
    },
  };

  it('answers the problem admit throws, as problem+json, without opening a stream', async () => {
    const app = await serve(service(channelStreamEndpoint({ operationId: 'stream' })), guarded);
    const response = await fetch(`http://127.0.0.1:${running!.port}/channels/nowhere/stream`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 404, detail: 'No channel nowhere' });
    expect(app.sse.connections.stream!.count()).toBe(0);
  });

  it('opens the stream once admit resolves', async () => {
    await serve(service(channelStreamEndpoint({ operationId: 'stream' })), guarded);
    const client = await streamBody('/channels/general/stream');
    expect(client.events()).toEqual([{ event: 'tick', data: '{"n":7}' }]);
  });

  it('turns any other error from admit into a 500 without internals', async () => {
    await serve(service(streamEndpoint()), {
      stream: {
        admit: () => {
          throw new Error('database password is hunter2');
        },
        stream: () => {},
      },
    }, { logger: quiet });
    const response = await fetch(`http://127.0.0.1:${running!.port}/stream`);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('hunter2');
  });
});
