import { afterEach, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpProblem } from '../../runtime/index.js';
import { waitUntil } from '../runtime/helpers.js';
import { expectOnceInIdOrder, MovingClient, startInstance, stopAll, type Instance } from './instances.js';
import { describeRedis, startRedisServer, type RedisServer } from './redis-server.js';

let redis: RedisServer | undefined;
let instances: Instance[] = [];
let clients: MovingClient[] = [];
afterEach(async () => {
  redis?.resume();
  await stopAll(redis, instances, clients);
  [redis, instances, clients] = [undefined, [], []];
});

describeRedis('redis-server paused (SIGSTOP) for 10 s, then resumed', () => {
  it('no crash; broadcasts queue up to the bound, then 503; memory stays bounded; everything accepted arrives after, once, in order', async () => {
    redis = await startRedisServer();
    const maxPending = 200;
    instances = await Promise.all([startInstance(redis.url, {}, { maxPendingBroadcasts: maxPending }), startInstance(redis.url, {}, { maxPendingBroadcasts: maxPending })]);
    clients = [new MovingClient('paused'), new MovingClient('paused')];
    await clients[0]!.open(instances[0]!);
    await clients[1]!.open(instances[1]!);
    await waitUntil(() => instances.every((instance) => instance.app.sse.connections.channelStream.count() === 1));

    const accepted: number[] = [];
    let refused = 0;
    const payload = 'x'.repeat(1000);
    const heapBefore = process.memoryUsage().heapUsed;
    redis.pause();
    // 10 s of broadcasts at 100 a second from each instance: far more than the bound lets wait.
    for (let n = 0; n < 2000; n++) {
      const message = { n, payload };
      try {
        instances[n % 2]!.app.sse.connections.channelStream.broadcast('message', message, { topic: { channel: 'paused' } });
        accepted.push(n);
      } catch (error) {
        expect(error).toBeInstanceOf(HttpProblem);
        expect((error as HttpProblem).status).toBe(503);
        refused++;
      }
      if (n % 20 === 19) await sleep(100);
    }
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    redis.resume();

    expect(accepted.length).toBe(2 * maxPending);
    expect(refused).toBe(2000 - 2 * maxPending);
    // What waits is the bounded queue: 400 broadcasts of about 1 kB each, far from 2,000 of them.
    expect(heapGrowth).toBeLessThan(20 * 1024 * 1024);
    await waitUntil(() => clients.every((client) => client.numbers().length >= accepted.length), 20_000, 'every accepted broadcast to arrive');
    await sleep(300);
    for (const client of clients) expectOnceInIdOrder(client, accepted);
    expect(instances.flatMap((instance) => instance.errors)).toEqual([]);
  }, 60_000);
});
