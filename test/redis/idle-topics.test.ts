import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { createSseApp, type SseStream } from '../../runtime/index.js';
import { channelStreamEndpoint, service } from '../runtime/helpers.js';
import type { Connections, Message } from './instances.js';
import { describeRedis, startRedisServer, type RedisServer } from './redis-server.js';

let redis: RedisServer | undefined;
afterEach(async () => {
  await redis?.stop();
  redis = undefined;
});

async function countKeys(client: Redis, pattern: string): Promise<number> {
  let count = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

describeRedis('replay in Redis of idle topics', () => {
  it('20,000 topics sent one event each and left idle past their TTL leave no key behind', async () => {
    redis = await startRedisServer();
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    const spec = service(channelStreamEndpoint({ replay: { maxEvents: 100, ttlMs: 3000 }, events: { message: { sseEvent: 'message', contentType: 'application/json' } } }));
    const app = createSseApp<Connections>(spec, { channelStream: (stream: SseStream<Message>) => stream.closed }, { redis: client });
    for (let n = 0; n < 20_000; n++) {
      app.sse.connections.channelStream.broadcast('message', { n }, { topic: { channel: `room-${n}` } });
      // Commands of one connection run in order: once PING answers, every event before it is stored.
      if (n % 5000 === 4999) await client.ping();
    }
    // Each topic is a stream key (and its state) until 3 s after its event (the first may be gone already).
    expect(await countKeys(redis.client, 'sse:*:log')).toBeGreaterThan(5000);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    // Each topic's log and state expire together: nothing is left, whatever the number of topics.
    expect(await redis.client.dbsize()).toBe(0);
    await app.sse.close();
    client.disconnect();
  }, 60_000);
});
