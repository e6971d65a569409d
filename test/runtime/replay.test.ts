import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSseApp,
  MemoryReplayer,
  type AppOptions,
  type ConnectionManager,
  type Replayer,
  type ReplayKey,
  type SseApp,
  type SseStream,
  type StoredEvent,
} from '../../runtime/index.js';
import { channelStreamEndpoint, listen, RawClient, service, waitUntil, type Running } from './helpers.js';

type Message = { message: { n: number } };
type Connections = { channelStream: ConnectionManager<Message, { channel: string }> };

const spec = service(
  channelStreamEndpoint({
    retryMs: 20,
    replay: { maxEvents: 3, ttlMs: 60_000 },
    events: { message: { sseEvent: 'message', contentType: 'application/json' } },
  }),
);

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function serve(options: AppOptions = {}): Promise<SseApp<Connections>> {
  const app = createSseApp<Connections>(spec, { channelStream: (stream: SseStream<Message>) => stream.closed }, options);
  running = await listen(app);
  return app;
}

function publish(app: SseApp<Connections>, channel: string, ...numbers: number[]): void {
  for (const n of numbers) app.sse.connections.channelStream.broadcast('message', { n }, { topic: { channel } });
}

const received = (client: RawClient) => client.events().map((e) => `${e.id}:${JSON.parse(e.data).n}`);

describe('replay after reconnect', () => {
  it('sends exactly the missed events, in order, then live ones', async () => {
    const app = await serve();
    const first = await RawClient.get(running!.port, '/channels/general/stream');
    await waitUntil(() => app.sse.connections.channelStream.count() === 1);
    publish(app, 'general', 1);
    publish(app, 'random', 100);
    await first.waitFor((c) => c.events().length === 1);
    expect(received(first)).toEqual(['1:1']);
    first.close();
    await waitUntil(() => app.sse.connections.channelStream.count() === 0);

    publish(app, 'general', 2, 3, 4);
    const back = await RawClient.get(running!.port, '/channels/general/stream', { 'Last-Event-ID': '1' });
    await back.waitFor((c) => c.events().length === 3);
    publish(app, 'general', 5);
    await back.waitFor((c) => c.events().length === 4);
    expect(received(back)).toEqual(['2:2', '3:3', '4:4', '5:5']);

    const firstTime = await RawClient.get(running!.port, '/channels/general/stream?lastEventId=3');
    await firstTime.waitFor((c) => c.events().length === 2);
    expect(received(firstTime)).toEqual(['4:4', '5:5']);
    back.close();
    firstTime.close();
  });

  it.each([
    ['before', false],
    ['after', true],
  ])('neither loses nor duplicates a broadcast racing the replay (log read %s it)', async (_when, readAfter) => {
    let app: SseApp<Connections> | undefined;
    const memory = new MemoryReplayer();
    const racing: Replayer = {
      append: (key, event, limits) => memory.append(key, event, limits),
      async since(key: ReplayKey, lastEventId: string): Promise<StoredEvent[] | null> {
        const early = memory.since(key, lastEventId);
        await new Promise((resolve) => setImmediate(resolve));
        publish(app!, 'general', 4);
        await new Promise((resolve) => setImmediate(resolve));
        return readAfter ? memory.since(key, lastEventId) : early;
      },
    };
    app = await serve({ replayer: racing });
    publish(app, 'general', 1, 2, 3);
    const client = await RawClient.get(running!.port, '/channels/general/stream', { 'Last-Event-ID': '1' });
    await client.waitFor((c) => c.events().length >= 3);
    publish(app, 'general', 5);
    await client.waitFor((c) => c.events().length >= 4);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received(client)).toEqual(['2:2', '3:3', '4:4', '5:5']);
    client.close();
  });

  it('keeps broadcasts in order behind an asynchronous replayer, and replays them', async () => {
    const memory = new MemoryReplayer();
    const remote: Replayer = {
      append: async (key, event, limits) => {
        await new Promise((resolve) => setImmediate(resolve));
        return memory.append(key, event, limits);
      },
      since: async (key, lastEventId) => memory.since(key, lastEventId),
    };
    const app = await serve({ replayer: remote });
    const manager = app.sse.connections.channelStream;
    const live = await RawClient.get(running!.port, '/channels/general/stream');
    await waitUntil(() => manager.count() === 1);
    expect(manager.broadcast('message', { n: 1 }, { topic: { channel: 'general' } })).toBe(0);
    manager.broadcast('message', { n: 2 }, { topic: { channel: 'general' } });
    manager.broadcast('message', { n: 3 });
    await live.waitFor((c) => c.events().length === 3);
    expect(received(live)).toEqual(['1:1', '2:2', 'undefined:3']);
    live.close();

    const back = await RawClient.get(running!.port, '/channels/general/stream', { 'Last-Event-ID': '1' });
    await back.waitFor((c) => c.events().length === 1);
    expect(received(back)).toEqual(['2:2']);
    back.close();
  });

  it('signals sse-reset when the id is too old, unknown or from the future, then streams live', async () => {
    const app = await serve();
    publish(app, 'general', 1, 2, 3, 4, 5);
    for (const lastEventId of ['1', 'abc', '99']) {
      const client = await RawClient.get(running!.port, '/channels/general/stream', { 'Last-Event-ID': lastEventId });
      await client.waitFor((c) => c.events().length === 1);
      expect(client.events()[0]).toEqual({ event: 'sse-reset', id: undefined, data: JSON.stringify({ reason: 'replay-unavailable', lastEventId }) });
      client.close();
    }
    const current = await RawClient.get(running!.port, '/channels/general/stream', { 'Last-Event-ID': '2' });
    await current.waitFor((c) => c.events().length === 3);
    expect(received(current)).toEqual(['3:3', '4:4', '5:5']);
    current.close();
  });

  it('lets an EventSource resume where it left off after the server drops it', async () => {
    const app = await serve();
    const source = new EventSource(`${running!.url}/channels/general/stream`);
    const seen: string[] = [];
    source.addEventListener('message', (event) => seen.push(`${event.lastEventId}:${JSON.parse(event.data).n}`));
    await waitUntil(() => app.sse.connections.channelStream.count() === 1);
    publish(app, 'general', 1);
    await waitUntil(() => seen.length === 1);
    app.sse.connections.channelStream.disconnect();
    publish(app, 'general', 2, 3);
    await waitUntil(() => seen.length === 3, 3000, 'EventSource to reconnect and catch up');
    publish(app, 'general', 4);
    await waitUntil(() => seen.length === 4);
    source.close();
    expect(seen).toEqual(['1:1', '2:2', '3:3', '4:4']);
  });
});

describe('MemoryReplayer', () => {
  const key = { operationId: 'op', topic: 't' };
  const limits = { maxEvents: 10, ttlMs: 1000 };
  const event = { event: 'e', data: '{}' };

  it('numbers events per topic and forgets those past their TTL', () => {
    let now = 0;
    const replayer = new MemoryReplayer({ now: () => now });
    expect([1, 2, 3].map(() => replayer.append(key, event, limits))).toEqual(['1', '2', '3']);
    expect(replayer.append({ ...key, topic: 'other' }, event, limits)).toBe('1');
    expect(replayer.since(key, '1')?.map((e) => e.id)).toEqual(['2', '3']);
    expect(replayer.since(key, '3')).toEqual([]);
    now = 1001;
    expect(replayer.since(key, '1')).toBeNull();
    expect(replayer.since(key, '3')).toEqual([]);
    expect(replayer.append(key, event, limits)).toBe('4');
    expect(replayer.since(key, '3')?.map((e) => e.id)).toEqual(['4']);
  });

  it('forgets a topic idle past its TTL, and a client still holding its ids gets a reset, not a gap', async () => {
    let now = 0;
    const replayer = new MemoryReplayer({ now: () => now, sweepMs: 5 });
    for (let n = 0; n < 57; n++) replayer.append(key, event, limits);
    replayer.append({ ...key, topic: 'busy' }, event, { ...limits, ttlMs: 5000 });
    now = 1001;
    await waitUntil(() => replayer.topics === 1);
    const ids = [1, 2, 3].map(() => replayer.append(key, event, limits));
    expect(ids).toEqual(['59', '60', '61']);
    expect(replayer.since(key, '57')).toBeNull();
    expect(replayer.since(key, '59')?.map((e) => e.id)).toEqual(['60', '61']);
    now = 10_000;
    await waitUntil(() => replayer.topics === 0);
  });

  it('forgets the least recently used topics first past its byte cap; their clients get a reset', () => {
    const replayer = new MemoryReplayer({ maxRetainedBytes: 3000 });
    const big = { event: 'e', data: 'x'.repeat(400) };
    for (const topic of ['a', 'b', 'c', 'd', 'e']) replayer.append({ ...key, topic }, big, limits);
    replayer.append({ ...key, topic: 'a' }, big, limits);
    const newest = replayer.append({ ...key, topic: 'f' }, big, limits);
    expect(replayer.since({ ...key, topic: 'b' }, '1')).toBeNull();
    expect(replayer.since({ ...key, topic: 'a' }, '1')?.map((e) => e.id)).toEqual(['2']);
    expect(replayer.since({ ...key, topic: 'f' }, newest)).toEqual([]);
    expect(replayer.topics).toBeLessThan(6);
  });
});

