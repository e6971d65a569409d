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
  type Missed,
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

/** Each event as `<place in its topic's history>:<n>`. */
const received = (client: RawClient, from = 0) => client.events().slice(from).map((e) => `${placeOf(e.id)}:${JSON.parse(e.data).n}`);
/** The `n` of a replay id `<epoch>-<n>`. */
const placeOf = (id: string | undefined) => id?.slice(id.lastIndexOf('-') + 1);
/** The id of the `n`th event of the history another id belongs to. */
const sibling = (id: string, n: number) => `${id.slice(0, id.lastIndexOf('-'))}-${n}`;

describe('replay after reconnect', () => {
  it('sends exactly the missed events, in order, then live ones', async () => {
    const app = await serve();
    const first = await RawClient.get(running!.port, '/channels/general/stream');
    await waitUntil(() => app.sse.connections.channelStream.count() === 1);
    publish(app, 'general', 1);
    publish(app, 'random', 100);
    await first.waitFor((c) => c.events().length === 1);
    expect(received(first)).toEqual(['1:1']);
    const firstId = first.events()[0]!.id!;
    expect(firstId).toMatch(/^[0-9a-z]{8}-1$/);
    first.close();
    await waitUntil(() => app.sse.connections.channelStream.count() === 0);

    publish(app, 'general', 2, 3, 4);
    const back = await RawClient.get(running!.port, '/channels/general/stream', { 'Last-Event-ID': firstId });
    await back.waitFor((c) => c.events().length === 3);
    publish(app, 'general', 5);
    await back.waitFor((c) => c.events().length === 4);
    expect(received(back)).toEqual(['2:2', '3:3', '4:4', '5:5']);

    const firstTime = await RawClient.get(running!.port, `/channels/general/stream?lastEventId=${sibling(firstId, 3)}`);
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
      async since(key: ReplayKey, lastEventId: string): Promise<Missed> {
        const early = memory.since(key, lastEventId);
        await new Promise((resolve) => setImmediate(resolve));
        publish(app!, 'general', 4);
        await new Promise((resolve) => setImmediate(resolve));
        return readAfter ? memory.since(key, lastEventId) : early;
      },
    };
    app = await serve({ replayer: racing });
    publish(app, 'general', 1, 2, 3);
    const first = memory.since({ operationId: 'channelStream', topic: 'general' }, '').events[0]!.id;
    const client = await RawClient.get(running!.port, '/channels/general/stream', { 'Last-Event-ID': first });
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

    const back = await RawClient.get(running!.port, '/channels/general/stream', { 'Last-Event-ID': live.events()[0]!.id! });
    await back.waitFor((c) => c.events().length === 1);
    expect(received(back)).toEqual(['2:2']);
    back.close();
  });

  it('signals sse-reset when the id is too old, of another history, unknown or from the future, then sends what it holds and streams live', async () => {
    const memory = new MemoryReplayer();
    const app = await serve({ replayer: memory });
    publish(app, 'general', 1, 2, 3, 4, 5);
    const held = memory.since({ operationId: 'channelStream', topic: 'general' }, '').events.map((event) => event.id);
    expect(held.map(placeOf)).toEqual(['3', '4', '5']);
    const cases: Array<[lastEventId: string, then: string[]]> = [
      [sibling(held[0]!, 1), ['3:3', '4:4', '5:5']],
      ['0000abcd-4', ['3:3', '4:4', '5:5']],
      ['4', ['3:3', '4:4', '5:5']],
      ['abc', ['3:3', '4:4', '5:5']],
      [sibling(held[0]!, 99), []],
    ];
    for (const [lastEventId, then] of cases) {
      const client = await RawClient.get(running!.port, '/channels/general/stream', { 'Last-Event-ID': lastEventId });
      await client.waitFor((c) => c.events().length === 1 + then.length);
      expect(client.events()[0]).toEqual({ event: 'sse-reset', id: undefined, data: JSON.stringify({ reason: 'replay-unavailable', lastEventId }) });
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(received(client, 1)).toEqual(then);
      client.close();
    }
    const current = await RawClient.get(running!.port, '/channels/general/stream', { 'Last-Event-ID': sibling(held[0]!, 2) });
    await current.waitFor((c) => c.events().length === 3);
    expect(received(current)).toEqual(['3:3', '4:4', '5:5']);
    current.close();
  });

  it('sends what a handler writes, and its end of the stream, after the replay, even from a handler that returns at once', async () => {
    const replayer = new MemoryReplayer();
    const handler = (stream: SseStream<Message>) => {
      stream.send('message', { n: 0 });
      if (stream.lastEventId === null) return stream.closed;
    };
    const app = createSseApp<Connections>(spec, { channelStream: handler }, { replayer });
    running = await listen(app);
    const first = await RawClient.get(running.port, '/channels/general/stream');
    await waitUntil(() => app.sse.connections.channelStream.count() === 1);
    publish(app, 'general', 1, 2, 3);
    await first.waitFor((c) => c.events().length === 4);
    first.close();
    const back = await RawClient.get(running.port, '/channels/general/stream', { 'Last-Event-ID': first.events()[1]!.id! });
    await back.waitForEnd();
    expect(received(back)).toEqual(['2:2', '3:3', 'undefined:0']);
  });

  it('lets an EventSource resume where it left off after the server drops it', async () => {
    const app = await serve();
    const source = new EventSource(`${running!.url}/channels/general/stream`);
    const seen: string[] = [];
    source.addEventListener('message', (event) => seen.push(`${placeOf(event.lastEventId)}:${JSON.parse(event.data).n}`));
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
  const ids = (missed: Missed) => missed.events.map((e) => placeOf(e.id));

  it('numbers events per topic within its history and forgets those past their TTL', () => {
    let now = 0;
    const replayer = new MemoryReplayer({ now: () => now });
    const first = [1, 2, 3].map(() => replayer.append(key, event, limits));
    expect(first.map(placeOf)).toEqual(['1', '2', '3']);
    expect(new Set(first.map((id) => sibling(id, 0))).size).toBe(1);
    const other = replayer.append({ ...key, topic: 'other' }, event, limits);
    expect(placeOf(other)).toBe('1');
    expect(sibling(other, 0)).not.toBe(sibling(first[0]!, 0));
    expect(replayer.since(key, first[0]!)).toMatchObject({ reset: false });
    expect(ids(replayer.since(key, first[0]!))).toEqual(['2', '3']);
    expect(replayer.since(key, first[2]!)).toEqual({ reset: false, events: [] });
    now = 1001;
    expect(replayer.since(key, first[0]!)).toEqual({ reset: true, events: [] });
    expect(replayer.since(key, first[2]!)).toEqual({ reset: false, events: [] });
    expect(replayer.append(key, event, limits)).toBe(sibling(first[0]!, 4));
    expect(ids(replayer.since(key, first[2]!))).toEqual(['4']);
  });

  it('forgets a topic idle past its TTL: a client still holding its ids gets a reset, then the new history, never a gap', async () => {
    let now = 0;
    const replayer = new MemoryReplayer({ now: () => now, sweepMs: 5 });
    let last = '';
    for (let n = 0; n < 57; n++) last = replayer.append(key, event, limits);
    replayer.append({ ...key, topic: 'busy' }, event, { ...limits, ttlMs: 5000 });
    now = 1001;
    await waitUntil(() => replayer.topics === 1);
    const next = [1, 2, 3].map(() => replayer.append(key, event, limits));
    expect(next.map(placeOf)).toEqual(['1', '2', '3']);
    expect(replayer.since(key, last)).toEqual({ reset: true, events: replayer.since(key, sibling(next[0]!, 0)).events });
    expect(ids(replayer.since(key, last))).toEqual(['1', '2', '3']);
    expect(replayer.since(key, next[0]!)).toMatchObject({ reset: false });
    expect(ids(replayer.since(key, next[0]!))).toEqual(['2', '3']);
    now = 10_000;
    await waitUntil(() => replayer.topics === 0);
  });

  it('starts new histories in a new process: an id of the previous one gets a reset and everything held', () => {
    const before = new MemoryReplayer();
    const old = [1, 2].map(() => before.append(key, event, limits));
    const after = new MemoryReplayer();
    const fresh = after.append(key, event, limits);
    expect(placeOf(fresh)).toBe('1');
    expect(after.since(key, old[1]!)).toEqual({ reset: true, events: [{ id: fresh, ...event }] });
  });

  it('forgets the least recently used topics first past its byte cap; their clients get a reset', () => {
    const replayer = new MemoryReplayer({ maxRetainedBytes: 3000 });
    const big = { event: 'e', data: 'x'.repeat(400) };
    const firstIds = new Map(['a', 'b', 'c', 'd', 'e'].map((topic) => [topic, replayer.append({ ...key, topic }, big, limits)]));
    replayer.append({ ...key, topic: 'a' }, big, limits);
    const newest = replayer.append({ ...key, topic: 'f' }, big, limits);
    expect(replayer.since({ ...key, topic: 'b' }, firstIds.get('b')!)).toEqual({ reset: true, events: [] });
    expect(ids(replayer.since({ ...key, topic: 'a' }, firstIds.get('a')!))).toEqual(['2']);
    expect(replayer.since({ ...key, topic: 'f' }, newest)).toEqual({ reset: false, events: [] });
    expect(replayer.topics).toBeLessThan(6);
  });
});
