import { afterEach, expect, it } from 'vitest';
import type { InspectorSnapshot } from '../../runtime/index.js';
import { RawClient, waitUntil } from '../runtime/helpers.js';
import { startInstance, type Instance } from './instances.js';
import { describeRedis, startRedisServer, type RedisServer } from './redis-server.js';

let redis: RedisServer | undefined;
let instance: Instance | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await instance?.stop();
  await redis?.stop();
});

const latest = (inspector: RawClient): InspectorSnapshot | undefined => {
  const last = inspector.events().findLast((event) => event.event === 'snapshot');
  return last && (JSON.parse(last.data) as InspectorSnapshot);
};

describeRedis('the connection inspector on Redis', () => {
  it('shows Redis going down and coming back, counting the outage', async () => {
    redis = await startRedisServer();
    instance = await startInstance(redis.url, { inspector: { authorize: () => true, intervalMs: 50 } });
    const stream = await RawClient.get(instance.running.port, '/channels/news/stream');
    const inspector = await RawClient.get(instance.running.port, '/inspector/stream');
    clients.push(stream, inspector);
    await waitUntil(() => latest(inspector)?.broadcaster.state === 'up' && latest(inspector)?.operations[0]!.open === 1, 5000, 'Redis up');
    // A shared store cannot tell its log sizes at once: the page says so rather than guess.
    expect(latest(inspector)!.operations[0]!.topics).toEqual([{ topic: 'news', connections: 1, replay: null }]);
    await redis.kill();
    await waitUntil(() => latest(inspector)?.broadcaster.state === 'down', 10_000, 'Redis down');
    expect(latest(inspector)!.broadcaster.outages).toBe(1);
    await redis.start();
    await waitUntil(() => latest(inspector)?.broadcaster.state === 'up', 15_000, 'Redis back');
    expect(latest(inspector)!.broadcaster).toMatchObject({ outages: 1, error: null });
  }, 40_000);
});
