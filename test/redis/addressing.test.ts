import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { createSseApp, type ConnectionManager, type SseStream } from '../../runtime/index.js';
import { channelStreamEndpoint, listen, RawClient, service, streamEndpoint, waitUntil, type Running } from '../runtime/helpers.js';
import { describeRedis, startRedisServer, type RedisServer } from './redis-server.js';

type Events = { message: { n: number } };
type Connections = {
  channelStream: ConnectionManager<Events, { channel: string }>;
  feed: ConnectionManager<Events, Record<string, never>, { role?: string }>;
};

const spec = service(
  channelStreamEndpoint({
    replay: { maxEvents: 100, ttlMs: 60_000 },
    events: {
      message: { sseEvent: 'message', contentType: 'application/json' },
    },
  }),
  streamEndpoint({
    operationId: 'feed',
    path: '/feed',
    specPath: '/feed',
    security: [
      {
        schemes: [
          {
            name: 'user',
            type: 'httpApiKey',
            in: 'header',
            paramName: 'X-User',
          },
        ],
        scopes: [],
      },
    ],
    events: {
      message: { sseEvent: 'message', contentType: 'application/json' },
    },
  }),
);

interface Instance {
  connections: Connections;
  running: Running;
  stop(): Promise<void>;
}

let redis: RedisServer | undefined;
let instances: Instance[] = [];
let clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients) client.socket.destroy();
  await Promise.all(instances.map((instance) => instance.stop()));
  await redis?.stop();
  [redis, instances, clients] = [undefined, [], []];
});

/**
 * An instance whose streams join the topics named in `?join=name:value,...` and carry the role
 * named in `?role=`; the caller is the identity named in the `x-user` header.
 */
async function startInstance(url: string): Promise<Instance> {
  const client = new Redis(url, { maxRetriesPerRequest: null });
  const handler = (stream: SseStream<Events, object, { role?: string }>, { query }: { query: unknown }) => {
    const { join, role } = query as { join?: string; role?: string };
    for (const topic of join?.split(',') ?? []) {
      const [name, value] = topic.split(':') as [string, string];
      stream.join({ [name]: value });
    }
    if (role) stream.metadata.role = role;
    return stream.closed;
  };
  const app = createSseApp<Connections>(
    spec,
    { channelStream: handler as never, feed: handler as never },
    {
      redis: client,
      authenticate: (req) => (req.headers['x-user'] ? { id: String(req.headers['x-user']) } : null),
    },
  );
  const running = await listen(app);
  return {
    connections: app.sse.connections,
    running,
    async stop() {
      await app.sse.close({ deadlineMs: 100 });
      await running.close();
      client.disconnect();
    },
  };
}

async function open(instance: Instance, path: string, headers: Record<string, string> = {}): Promise<RawClient> {
  const client = await RawClient.get(instance.running.port, path, headers);
  clients.push(client);
  return client;
}

const numbers = (client: RawClient) =>
  client
    .events()
    .filter((event) => event.event === 'message')
    .map((event) => JSON.parse(event.data).n as number);
const openStreams = (operation: keyof Connections) => instances.reduce((sum, instance) => sum + instance.connections[operation].count(), 0);

describeRedis('broadcasts addressed by topic, identity and metadata, across instances', () => {
  it('a stream that joined rooms on B gets the broadcasts of those rooms posted on A, and of no other room', async () => {
    redis = await startRedisServer();
    instances = await Promise.all([startInstance(redis.url), startInstance(redis.url)]);
    const [a, b] = instances as [Instance, Instance];
    const feed = await open(b, '/feed?join=room:r1,room:r2', {
      'x-user': 'u1',
    });
    await waitUntil(() => openStreams('feed') === 1);
    for (const [n, room] of ['r1', 'r3', 'r2', 'r1'].entries()) a.connections.feed.broadcast('message', { n }, { topic: { room } });
    await feed.waitFor(() => numbers(feed).length === 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(numbers(feed)).toEqual([0, 2, 3]);
  });

  it('a room stream that joined another room gets its events without their ids, and keeps its own ids for replay', async () => {
    redis = await startRedisServer();
    instances = await Promise.all([startInstance(redis.url), startInstance(redis.url)]);
    const [a, b] = instances as [Instance, Instance];
    const own = await open(a, '/channels/home/stream?join=channel:other');
    await waitUntil(() => openStreams('channelStream') === 1);
    b.connections.channelStream.broadcast('message', { n: 1 }, { topic: { channel: 'home' } });
    b.connections.channelStream.broadcast('message', { n: 2 }, { topic: { channel: 'other' } });
    b.connections.channelStream.broadcast('message', { n: 3 }, { topic: { channel: 'home' } });
    await own.waitFor(() => numbers(own).length === 3);
    const events = own.events().filter((event) => event.event === 'message');
    expect(events.map((event) => [JSON.parse(event.data).n, event.id])).toEqual([
      [1, events[0]!.id],
      [2, undefined],
      [3, events[2]!.id],
    ]);
    expect(events[0]!.id).toBeDefined();
    expect(events[2]!.id).not.toBe(events[0]!.id);
  });

  it('a broadcast for one identity, or for metadata values, reaches the matching streams of every instance only', async () => {
    redis = await startRedisServer();
    instances = await Promise.all([startInstance(redis.url), startInstance(redis.url)]);
    const [a, b] = instances as [Instance, Instance];
    const u1OnA = await open(a, '/feed?role=reader', { 'x-user': 'u1' });
    const u1OnB = await open(b, '/feed?role=writer', { 'x-user': 'u1' });
    const u2OnB = await open(b, '/feed?role=reader', { 'x-user': 'u2' });
    await waitUntil(() => openStreams('feed') === 3);
    // Two instances publish: each waits for the other's broadcast to arrive, since nothing orders
    // broadcasts of different instances that race each other to Redis.
    a.connections.feed.broadcast('message', { n: 1 }, { identity: 'u1' });
    for (const client of [u1OnA, u1OnB]) await client.waitFor(() => numbers(client).includes(1));
    b.connections.feed.broadcast('message', { n: 2 }, { metadata: { role: 'reader' } });
    for (const client of [u1OnA, u2OnB]) await client.waitFor(() => numbers(client).includes(2));
    a.connections.feed.broadcast('message', { n: 3 }, { exceptIdentity: 'u1' });
    a.connections.feed.broadcast('message', { n: 4 });
    for (const client of [u1OnA, u1OnB, u2OnB]) await client.waitFor(() => numbers(client).includes(4));
    expect(numbers(u1OnA)).toEqual([1, 2, 4]);
    expect(numbers(u1OnB)).toEqual([1, 4]);
    expect(numbers(u2OnB)).toEqual([2, 3, 4]);
  });

  it('refuses a predicate filter at the call, naming what travels instead', async () => {
    redis = await startRedisServer();
    instances = [await startInstance(redis.url)];
    expect(() => instances[0]!.connections.feed.broadcast('message', { n: 1 }, { filter: () => true })).toThrow(/identity, exceptIdentity or metadata/);
  });
});
