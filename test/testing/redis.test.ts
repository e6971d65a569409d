/** `asyncapi-sse/testing` with a Redis URL: two instances of the demo sharing broadcasts and replay. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, startRedisServer, type RedisServer } from '../redis/redis-server.js';
import { openDemo, U1, U2 } from './demo-service.js';

describeRedis('a test of the demo service on two instances', () => {
  let redis: RedisServer;
  let t: Awaited<ReturnType<typeof openDemo>>;
  beforeAll(async () => {
    redis = await startRedisServer();
    t = await openDemo({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('runs two instances, and a message posted to one reaches a stream on the other', async () => {
    expect(t.instances).toHaveLength(2);
    expect(new Set(t.instances.map(({ url }) => url)).size).toBe(2);
    const [first, second] = t.instances as [(typeof t.instances)[0], (typeof t.instances)[0]];
    const room = await first.as(U1).open.streamChatRoom({ params: { channel: 'shared' } });
    await room.next('join');
    await second.as(U2).post.postChannelMessage({ params: { channel: 'shared' }, body: { content: 'across' } });
    expect(await room.next('message')).toMatchObject({ userId: 'u2', content: 'across' });

    room.close();
    await first.as(U2).post.postChannelMessage({ params: { channel: 'shared' }, body: { content: 'missed' } });
    const resumed = await room.reconnect({ instance: 1 });
    expect(await resumed.next('message')).toMatchObject({ content: 'missed' });
    resumed.close();
  });
});
