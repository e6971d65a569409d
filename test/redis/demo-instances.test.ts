import { afterAll, beforeAll, expect, it } from 'vitest';
import { AUTH } from '../demo/harness.js';
import { startDemoProcess, type DemoProcess } from '../demo/process.js';
import { EventReader, type EventSourceMessage } from '../demo/sse.js';
import { startRedisCluster } from './redis-cluster.js';
import { describeRedis, startRedisServer } from './redis-server.js';

/** Where the two demo instances keep what they share: the environment that points them to it. */
interface SharedStore {
  env: Record<string, string>;
  stop(): Promise<void>;
}

const stores: Array<[name: string, start: () => Promise<SharedStore>]> = [
  ['one Redis', async () => {
    const redis = await startRedisServer();
    return { env: { REDIS_URL: redis.url }, stop: () => redis.stop() };
  }],
  ['a 3-master Redis Cluster', async () => {
    const cluster = await startRedisCluster();
    return { env: { REDIS_CLUSTER: cluster.nodes.join(',') }, stop: () => cluster.stop() };
  }],
];

describeRedis.each(stores)('two demo instances sharing %s', (_name, start) => {
  let redis: SharedStore;
  let a: DemoProcess;
  let b: DemoProcess;
  beforeAll(async () => {
    redis = await start();
    [a, b] = await Promise.all([startDemoProcess(redis.env), startDemoProcess(redis.env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  const room = (instance: DemoProcess, channel: string, headers: Record<string, string>, lastEventId?: string) =>
    EventReader.open(`${instance.url}/channels/${channel}/stream`, { headers: lastEventId ? { ...headers, 'last-event-id': lastEventId } : headers });
  const say = (instance: DemoProcess, channel: string, content: string) =>
    fetch(`${instance.url}/channels/${channel}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH.u2 }, body: JSON.stringify({ content }) });
  const messages = (events: EventSourceMessage[]) => events.filter((event) => event.event === undefined).map((event) => [event.id, JSON.parse(event.data).content]);

  /** Reads until `count` chat messages (not presence events) arrived. */
  async function takeMessages(reader: EventReader, count: number): Promise<EventSourceMessage[]> {
    const events: EventSourceMessage[] = [];
    while (messages(events).length < count) events.push(...(await reader.take(1)));
    return events.filter((event) => event.event === undefined);
  }

  it('delivers a message posted on B to clients on A and B with the same id, and replays what a client missed on the other instance', async () => {
    const onA = await room(a, 'shared', AUTH.u1);
    const onB = await room(b, 'shared', AUTH.admin);
    await onA.take(1);
    await onB.take(1);
    expect((await say(b, 'shared', 'first')).status).toBe(202);
    const [seenOnA] = messages(await takeMessages(onA, 1));
    const [seenOnB] = messages(await takeMessages(onB, 1));
    expect(seenOnA).toEqual(seenOnB);
    expect(seenOnA![1]).toBe('first');
    onA.close();

    for (const content of ['second', 'third', 'fourth']) expect((await say(b, 'shared', content)).status).toBe(202);
    const missedOnB = messages(await takeMessages(onB, 3));
    const moved = await room(b, 'shared', AUTH.u1, seenOnA![0]);
    const replayed = await takeMessages(moved, 3);
    expect(messages(replayed)).toEqual(missedOnB);
    expect(messages(replayed).map(([, content]) => content)).toEqual(['second', 'third', 'fourth']);
    // Nothing more than what was missed: the next event is the next live one.
    expect((await say(a, 'shared', 'fifth')).status).toBe(202);
    expect(messages(await takeMessages(moved, 1)).map(([, content]) => content)).toEqual(['fifth']);
    moved.close();
    onB.close();
  });

  it('delivers a notification for u1 posted on A to each of u1\'s streams on A and B once, and to no one else', async () => {
    const notifications = (instance: DemoProcess, headers: Record<string, string>) => EventReader.open(`${instance.url}/notifications/stream`, { headers });
    const [u1OnA, u1OnB, u2OnB] = [await notifications(a, AUTH.u1), await notifications(b, AUTH.u1), await notifications(b, AUTH.u2)];
    const notify = (instance: DemoProcess, userId: string, title: string) =>
      fetch(`${instance.url}/notifications`, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH.admin }, body: JSON.stringify({ userId, type: 'info', title, body: '' }) });
    expect((await notify(a, 'u1', 'for u1')).status).toBe(202);
    expect((await notify(a, 'u2', 'for u2')).status).toBe(202);
    expect((await notify(b, 'u1', 'last')).status).toBe(202);
    const titles = async (reader: EventReader, count: number) => (await reader.take(count)).filter((event) => event.event === 'new').map((event) => JSON.parse(event.data).title);
    expect(await titles(u1OnA, 2)).toEqual(['for u1', 'last']);
    expect(await titles(u1OnB, 2)).toEqual(['for u1', 'last']);
    expect(await titles(u2OnB, 1)).toEqual(['for u2']);
    for (const reader of [u1OnA, u1OnB, u2OnB]) reader.close();
  });

  it('tells the others in a room on the other instance, not the typist, that someone is typing', async () => {
    const [typistOnA, typistOnB, otherOnB] = [await room(a, 'typing', AUTH.u2), await room(b, 'typing', AUTH.u2), await room(b, 'typing', AUTH.u1)];
    await Promise.all([typistOnA, typistOnB, otherOnB].map((reader) => reader.take(1)));
    const post = (body: unknown) => fetch(`${a.url}/channels/typing/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH.u2 }, body: JSON.stringify(body) });
    expect((await post({ typing: true })).status).toBe(202);
    expect((await post({ content: 'after typing' })).status).toBe(202);
    const untilMessage = async (reader: EventReader) => {
      const events: EventSourceMessage[] = [];
      while (!events.some((event) => event.event === undefined)) events.push(...(await reader.take(1)));
      return events.filter((event) => event.event === 'typing' || event.event === undefined).map((event) => event.event ?? 'message');
    };
    expect(await untilMessage(otherOnB)).toEqual(['typing', 'message']);
    expect(await untilMessage(typistOnB)).toEqual(['message']);
    expect(await untilMessage(typistOnA)).toEqual(['message']);
    for (const reader of [typistOnA, typistOnB, otherOnB]) reader.close();
  });

  it('a POST stream on B following several rooms gets the messages of each room it chose, posted on A, and none of the others', async () => {
    const feed = await EventReader.open(`${b.url}/channels/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AUTH.u1 },
      body: JSON.stringify({ channels: ['feed-a', 'feed-b'] }),
    });
    expect(feed.response.status).toBe(200);
    const lines = async function* () {
      for (;;) for (const event of await feed.take(1)) yield JSON.parse(event.data) as { channel: string; content: string };
    };
    // The handler joins its rooms once the stream is open, after the response began: probe both rooms until the feed hears each.
    const heard = new Set<string>();
    let probing = true;
    const probes = (async () => {
      while (probing) {
        for (const channel of ['feed-a', 'feed-b']) if (!heard.has(channel)) await say(a, channel, 'probe');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    for await (const { channel } of lines()) if (heard.add(channel).size === 2) break;
    probing = false;
    await probes;
    for (const [channel, content] of [['feed-a', 'one'], ['feed-c', 'elsewhere'], ['feed-b', 'two'], ['feed-a', 'three']] as const) expect((await say(a, channel, content)).status).toBe(202);
    const got: string[] = [];
    for await (const { channel, content } of lines()) if (content !== 'probe' && got.push(`${channel} ${content}`) === 3) break;
    // Each room's messages in order; rooms on different cluster shards may interleave either way.
    expect(got.filter((line) => line.startsWith('feed-a'))).toEqual(['feed-a one', 'feed-a three']);
    expect([...got].sort()).toEqual(['feed-a one', 'feed-a three', 'feed-b two']);
    feed.close();
  });

  it('holds a per-identity limit of 5 with 3 streams on A and 3 on B: the sixth gets 429', async () => {
    const onA = await Promise.all([0, 1, 2].map((n) => room(a, `limit-${n}`, AUTH.u2)));
    const onB: EventReader[] = [];
    for (const n of [3, 4, 5]) onB.push(await room(b, `limit-${n}`, AUTH.u2));
    expect([...onA, ...onB].map((reader) => reader.response.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(onB[2]!.response.headers.get('content-type')).toContain('application/problem+json');
    onB[2]!.close();
    onA[0]!.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = await room(b, 'limit-5', AUTH.u2);
    expect(again.response.status).toBe(200);
    for (const reader of [...onA, ...onB, again]) reader.close();
  });
});
