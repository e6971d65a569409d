import { Redis } from 'ioredis';
import { afterEach, it } from 'vitest';
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

describeRedis('broadcasts to part of a topic, replayed after reconnect (two instances on one Redis)', () => {
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
});
