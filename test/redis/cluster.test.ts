import { afterEach, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '../runtime/helpers.js';
import { expectOnceInIdOrder, type Instance, MovingClient, openStreams as openStreamsOf, range, startInstance, stopAll } from './instances.js';
import { startRedisCluster, type RedisClusterServer } from './redis-cluster.js';
import { describeRedis } from './redis-server.js';

let cluster: RedisClusterServer | undefined;
let instances: Instance[] = [];
let clients: MovingClient[] = [];
afterEach(async () => {
  await stopAll(cluster, instances, clients);
  [cluster, instances, clients] = [undefined, [], []];
});

const openStreams = () => openStreamsOf(instances);

describeRedis('instances sharing a 3-master Redis Cluster', () => {
  it('500 broadcasts over 10 topics from two instances while clients move between them: every client gets its topic\'s once, in id order', async () => {
    cluster = await startRedisCluster();
    instances = await Promise.all([startInstance(cluster.nodes), startInstance(cluster.nodes)]);
    const topics = range(10).map((n) => `room-${n}`);
    clients = range(10).map((n) => new MovingClient(topics[n]!));
    await Promise.all(clients.map((client, index) => client.open(instances[index % 2]!)));
    await waitUntil(() => openStreams() === clients.length);
    // The topics' keys spread over the three masters.
    const masters = new Set(await Promise.all(topics.map((topic) => cluster!.masterOf(`sse:{channelStream:${topic}}:log`))));
    expect(masters.size).toBe(3);

    let broadcasting = true;
    const moving = clients.map(async (client, index) => {
      for (let hop = index + 1; broadcasting; hop++) {
        await sleep(100 + Math.random() * 200);
        await client.open(instances[hop % 2]!);
      }
    });
    for (const n of range(500)) {
      instances[n % 2]!.app.sse.connections.channelStream.broadcast('message', { n }, { topic: { channel: topics[n % 10]! } });
      if (n % 10 === 9) await sleep(15);
    }
    broadcasting = false;
    await Promise.all(moving);
    await waitUntil(() => clients.every((client) => client.numbers().length >= 50), 15_000, 'every client to hold its 50 messages');
    await sleep(200);
    expect(clients.some((client) => client.events().some((event) => event.event === 'sse-reset'))).toBe(false);
    for (const [index, client] of clients.entries()) expectOnceInIdOrder(client, range(50).map((k) => k * 10 + index));
  }, 60_000);
});
