import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { createSseApp, RedisReplayer, type SseApp } from '../../runtime/index.js';
import { audienceHandlers, audienceSpec, authenticate, runAudienceReplay, type Connections } from '../runtime/audience-replay.js';
import { listen, type Running } from '../runtime/helpers.js';
import { describeRedis, startRedisServer, type RedisServer } from './redis-server.js';

interface Instance {
  app: SseApp<Connections>;
  running: Running;
  client: Redis;
}

let redis: RedisServer | undefined;
let instances: Instance[] = [];
let store: Redis | undefined;
afterEach(async () => {
  for (const { app, running, client } of instances) {
    await app.sse.close({ deadlineMs: 100 });
    await running.close();
    client.disconnect();
  }
  store?.disconnect();
  await redis?.stop();
  [redis, instances, store] = [undefined, [], undefined];
});

async function startInstance(url: string): Promise<Instance> {
  const client = new Redis(url, { maxRetriesPerRequest: null });
  const app = createSseApp<Connections>(audienceSpec, audienceHandlers, { authenticate, redis: client });
  return { app, running: await listen(app), client };
}

describeRedis('broadcasts to part of a topic, replayed after reconnect from Redis', () => {
  it('a stream coming back on B gets exactly the events addressed to it and the topic-wide ones posted on B while it was away, with no reset and no gap', async () => {
    redis = await startRedisServer();
    instances = await Promise.all([startInstance(redis.url), startInstance(redis.url)]);
    const [a, b] = instances as [Instance, Instance];
    store = new Redis(redis.url);
    await runAudienceReplay({
      u1First: a.running.url,
      u1Back: b.running.url,
      u2: a.running.url,
      post: b.app.sse.connections.channelStream,
      openStreams: () => a.app.sse.connections.channelStream.count() + b.app.sse.connections.channelStream.count(),
      replayer: new RedisReplayer(store),
    });
  });

  it('replays from a trimmed log only what provably follows a position, addressed events included, else sse-reset', async () => {
    redis = await startRedisServer();
    store = new Redis(redis.url);
    const replayer = new RedisReplayer(store);
    const key = { operationId: 'room', topic: 'r1' };
    const limits = { maxEvents: 100, ttlMs: 60_000 };
    const append = (data: string, audience?: { identity: string }) => replayer.append(key, audience ? { event: null, data, audience } : { event: null, data }, limits);
    const ids = [await append('all 1'), await append('u1 only', { identity: 'u1' }), await append('u2 only', { identity: 'u2' }), await append('all 2')];
    const epoch = ids[0]!.slice(0, ids[0]!.indexOf('-'));
    expect(ids).toEqual([`${epoch}-1`, `${epoch}-1.1`, `${epoch}-1.2`, `${epoch}-2`]);
    const u1 = { identity: { id: 'u1' }, metadata: {} };
    const seen = async (id: string) => {
      const { reset, events } = await replayer.since(key, id, u1);
      return { reset, data: events.map((event) => event.data) };
    };
    expect(await seen(ids[0]!)).toEqual({ reset: false, data: ['u1 only', 'all 2'] });
    // Only the last entry left (MAXLEN ~ trims in whole nodes; exact trimming stands in for it here).
    await store.xtrim(replayer.keys.log(key), 'MAXLEN', 1);
    // `all 2` notes two addressed events before it: only a client at the second of them missed nothing.
    expect(await seen(ids[2]!)).toEqual({ reset: false, data: ['all 2'] });
    expect(await seen(ids[1]!)).toEqual({ reset: true, data: ['all 2'] });
    expect(await seen(ids[0]!)).toEqual({ reset: true, data: ['all 2'] });
    expect(await seen(ids[3]!)).toEqual({ reset: false, data: [] });
  });
});
