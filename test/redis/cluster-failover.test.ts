import { afterEach, expect, it } from 'vitest';
import { waitUntil } from '../runtime/helpers.js';
import { MovingClient, openStreams as openStreamsOf, startInstance, stopAll, type Instance } from './instances.js';
import { startRedisCluster, type RedisClusterServer } from './redis-cluster.js';
import { describeRedis } from './redis-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const range = (count: number) => Array.from({ length: count }, (_, n) => n);

let cluster: RedisClusterServer | undefined;
let instances: Instance[] = [];
let clients: MovingClient[] = [];
afterEach(async () => {
  await stopAll(cluster, instances, clients);
  [cluster, instances, clients] = [undefined, [], []];
});

/**
 * What a listener must see through a failover: within one history (ids `<epoch>-<n>`) every id
 * one more than the one before and no payload twice; a new history only after `sse-reset`.
 */
function expectOneHistoryAtATime(client: MovingClient): void {
  let epoch: string | undefined;
  let place = 0;
  let resetSeen = false;
  let payloads = new Set<string>();
  for (const event of client.events()) {
    if (event.event === 'sse-reset') resetSeen = true;
    if (event.event !== 'message') continue;
    const [eventEpoch, eventPlace] = event.id!.split('-') as [string, string];
    if (eventEpoch !== epoch) {
      if (epoch !== undefined) expect(resetSeen, `history ${eventEpoch} follows ${epoch} without sse-reset`).toBe(true);
      [epoch, payloads] = [eventEpoch, new Set()];
    } else expect(Number(eventPlace), `id after ${epoch}-${place}`).toBe(place + 1);
    expect(payloads.has(event.data), `${event.data} twice in history ${epoch}`).toBe(false);
    payloads.add(event.data);
    place = Number(eventPlace);
    resetSeen = false;
  }
}

describeRedis('instances on a Redis Cluster whose master is killed and replaced by its replica', () => {
  it('broadcasts from two instances go on through the failover: each accepted one reaches every listener of its topic, on both instances', async () => {
    cluster = await startRedisCluster({ replicas: true });
    instances = await Promise.all([startInstance(cluster.nodes, { metrics: true }), startInstance(cluster.nodes, { metrics: true })]);
    const topics = range(9).map((n) => `room-${n}`);
    const masters = await Promise.all(topics.map((topic) => cluster!.masterOf(`sse:{channelStream:${topic}}:log`)));
    expect(new Set(masters).size).toBe(3);
    // Each topic has a listener on each instance.
    clients = [...topics, ...topics].map((topic) => new MovingClient(topic));
    await Promise.all(clients.map((client, index) => client.open(instances[index < topics.length ? 0 : 1]!)));
    await waitUntil(() => openStreamsOf(instances) === clients.length);

    const accepted = new Map<string, number[]>(topics.map((topic) => [topic, []]));
    const refused: unknown[] = [];
    let broadcasting = true;
    const broadcasts = (async () => {
      for (let n = 0; broadcasting; n++) {
        const topic = topics[n % topics.length]!;
        try {
          instances[n % 2]!.app.sse.connections.channelStream.broadcast('message', { n }, { topic: { channel: topic } });
          accepted.get(topic)!.push(n);
        } catch (error) {
          refused.push(error);
        }
        await sleep(10);
      }
    })();
    await sleep(1000);
    const lost = masters[0]!;
    await cluster.kill(lost);
    await cluster.promoted(lost);
    expect(await cluster.masterOf(`sse:{channelStream:${topics[0]}}:log`)).not.toBe(lost);
    // Broadcasting goes on after the replica took over.
    await sleep(3000);
    broadcasting = false;
    await broadcasts;

    const expected = (client: MovingClient, index: number) => accepted.get(topics[index % topics.length]!)!;
    const complete = () => clients.every((client, index) => expected(client, index).every((n) => client.numbers().includes(n)));
    await waitUntil(complete, 30_000, 'every accepted broadcast to reach every listener of its topic').catch(() => {});
    for (const [index, client] of clients.entries()) {
      const missing = expected(client, index).filter((n) => !client.numbers().includes(n));
      expect(missing, `broadcasts to ${topics[index % topics.length]} missing on instance ${index < topics.length ? 0 : 1}`).toEqual([]);
      expectOneHistoryAtATime(client);
    }
    // Not one broadcast was refused, with a 503 or otherwise: the takeover stays within the bounds.
    expect(refused).toEqual([]);
    for (const instance of instances) {
      const metrics = await (await fetch(`${instance.running.url}/metrics`)).text();
      // prom-client writes a counter's series once it was counted: none, or 0.
      expect(metrics).toContain('# TYPE sse_broadcasts_failed_total counter');
      expect(metrics).not.toMatch(/^sse_broadcasts_failed_total\{[^}]*\} [1-9]/m);
      expect(instance.errors).toEqual([]);
    }
  }, 90_000);
});
