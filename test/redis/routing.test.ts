import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSseApp, redisServices, type RedisServices, type SseStream } from '../../runtime/index.js';
import { listen, RawClient, waitUntil, type Running } from '../runtime/helpers.js';
import { spec, type Connections, type Message } from './instances.js';
import { describeRedis, startRedisServer, type RedisServer } from './redis-server.js';

interface RoutedInstance {
  connections: Connections;
  services: RedisServices;
  running: Running;
  stop(): Promise<void>;
}

let redis: RedisServer | undefined;
let instances: RoutedInstance[] = [];
let clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients) client.socket.destroy();
  await Promise.all(instances.map((instance) => instance.stop()));
  await redis?.stop();
  [redis, instances, clients] = [undefined, [], []];
});

/** An instance whose Redis broadcaster the test holds, to count what Redis sent it. */
async function startInstance(url: string): Promise<RoutedInstance> {
  const client = new Redis(url, { maxRetriesPerRequest: null });
  const services = redisServices(client);
  const app = createSseApp<Connections>(spec, { channelStream: (stream: SseStream<Message>) => stream.closed }, { replayer: services.replayer, broadcaster: services.broadcaster });
  const running = await listen(app);
  return {
    connections: app.sse.connections,
    services,
    running,
    async stop() {
      await app.sse.close({ deadlineMs: 100 });
      await running.close();
      client.disconnect();
    },
  };
}

async function open(instance: RoutedInstance, channel: string, headers: Record<string, string> = {}): Promise<RawClient> {
  const client = await RawClient.get(instance.running.port, `/channels/${channel}/stream`, headers);
  clients.push(client);
  await client.waitFor((c) => c.status === 200, 5000, 'the stream to open');
  return client;
}

const numbers = (client: RawClient) => client.events().filter((event) => event.event === 'message').map((event) => JSON.parse(event.data).n as number);
const received = (instance: RoutedInstance) => instance.services.broadcaster.messagesReceived;

describeRedis('per-topic routing of broadcasts through Redis', () => {
  it('an instance receives from Redis the broadcasts of the topics it has streams of, and none of the others', async () => {
    redis = await startRedisServer();
    instances = await Promise.all([startInstance(redis.url), startInstance(redis.url)]);
    const [a, b] = instances as [RoutedInstance, RoutedInstance];
    const onA = await open(a, 'x');
    const onB = await open(b, 'y');
    for (let n = 0; n < 100; n++) instances[n % 2]!.connections.channelStream.broadcast('message', { n }, { topic: { channel: n < 50 ? 'x' : 'y' } });
    await onA.waitFor((c) => numbers(c).length === 50);
    await onB.waitFor((c) => numbers(c).length === 50);
    await sleep(100);
    expect([received(a), received(b)]).toEqual([50, 50]);

    // After its last stream of `y` closes, B unsubscribes: the next broadcasts of `y` reach no instance.
    onB.socket.destroy();
    await waitUntil(() => b.services.broadcaster.channels === 0, 5000, 'B to drop its channels');
    for (let n = 0; n < 20; n++) a.connections.channelStream.broadcast('message', { n }, { topic: { channel: 'y' } });
    a.connections.channelStream.broadcast('message', { n: 100 }, { topic: { channel: 'x' } });
    await onA.waitFor((c) => numbers(c).includes(100));
    await sleep(100);
    expect([received(a), received(b)]).toEqual([51, 50]);
  });

  it('streams opening and closing on a topic while it is broadcast to miss nothing once open: every id from their first to the last', async () => {
    redis = await startRedisServer();
    instances = await Promise.all([startInstance(redis.url), startInstance(redis.url)]);
    const [a, b] = instances as [RoutedInstance, RoutedInstance];
    let broadcasting = true;
    let sent = 0;
    const sending = (async () => {
      while (broadcasting) {
        a.connections.channelStream.broadcast('message', { n: sent++ }, { topic: { channel: 'busy' } });
        await sleep(1);
      }
    })();
    // Each stream on B is the topic's only one there: it subscribes as it opens and unsubscribes as it closes.
    const streams: RawClient[] = [];
    for (let round = 0; round < 8; round++) {
      const stream = await open(b, 'busy');
      streams.push(stream);
      await sleep(50 + Math.random() * 50);
      if (round < 7) {
        stream.socket.destroy();
        await waitUntil(() => b.connections.channelStream.count() === 0);
      }
    }
    // A stream resuming from an id gets every event after it, across the subscription.
    const first = streams[0]!.events().find((event) => event.event === 'message')!;
    const resumed = await open(b, 'busy', { 'Last-Event-ID': first.id! });
    await sleep(100);
    broadcasting = false;
    await sending;
    const last = sent - 1;
    for (const stream of [streams.at(-1)!, resumed]) await stream.waitFor((c) => numbers(c).at(-1) === last, 5000, 'the last broadcast');
    for (const stream of streams.slice(0, -1)) {
      const got = numbers(stream);
      expect(got.length).toBeGreaterThan(0);
      expect(got).toEqual(got.map((_, index) => got[0]! + index));
    }
    const still = numbers(streams.at(-1)!);
    expect(still).toEqual(still.map((_, index) => still[0]! + index));
    const fromFirst = numbers(resumed);
    expect(fromFirst[0]).toBe(JSON.parse(first.data).n + 1);
    expect(fromFirst).toEqual(fromFirst.map((_, index) => fromFirst[0]! + index));
    expect(fromFirst.at(-1)).toBe(last);
  }, 30_000);
  it('streams of many topics opening while the instance connects to Redis each get every broadcast of their topic', async () => {
    redis = await startRedisServer();
    const a = await startInstance(redis.url);
    instances = [a];
    const b = await startInstance(redis.url);
    instances.push(b);
    // Opened at once, as the first clients of a fresh instance do: some are added while it subscribes to the others.
    const topics = Array.from({ length: 50 }, (_, n) => `fresh-${n}`);
    const streams = await Promise.all(topics.map((topic) => open(b, topic)));
    for (const [n, topic] of topics.entries()) a.connections.channelStream.broadcast('message', { n }, { topic: { channel: topic } });
    await waitUntil(() => streams.every((stream, n) => numbers(stream).includes(n)), 5000, 'every topic\'s broadcast');
    expect(streams.map(numbers)).toEqual(topics.map((_, n) => [n]));
  });
});
