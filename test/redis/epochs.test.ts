import { afterEach, expect, it } from 'vitest';
import { waitUntil } from '../runtime/helpers.js';
import { expectOnceInIdOrder, type Instance, MovingClient, openStreams as openStreamsOf, range, startInstance, stopAll } from './instances.js';
import { describeRedis, startRedisServer, type RedisServer } from './redis-server.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

let redis: RedisServer | undefined;
let replica: RedisServer | undefined;
let proxy: TcpProxy | undefined;
let instances: Instance[] = [];
let clients: MovingClient[] = [];
afterEach(async () => {
  await stopAll(redis, instances, clients);
  await replica?.stop();
  await proxy?.stop();
  [redis, replica, proxy, instances, clients] = [undefined, undefined, undefined, [], []];
});

const openStreams = () => openStreamsOf(instances);
const post = (from: number, count: number) => {
  for (const n of range(count)) instances[n % 2]!.app.sse.connections.channelStream.broadcast('message', { n: from + n }, { topic: { channel: 'room' } });
};
/** The messages a client got after its last `sse-reset` (all of them without one), as their `n`. */
const sinceReset = (client: MovingClient) => {
  const events = client.events();
  const reset = events.findLastIndex((event) => event.event === 'sse-reset');
  return events.slice(reset + 1).filter((event) => event.event === 'message').map((event) => JSON.parse(event.data).n as number);
};

describeRedis('event ids carry the epoch of their topic history in Redis', () => {
  it('redis-server SIGKILLed and restarted without persistence: a listener that stayed gets the next 20 once, in order; an old id gets sse-reset, then all 20', async () => {
    redis = await startRedisServer();
    instances = await Promise.all([startInstance(redis.url), startInstance(redis.url)]);
    const listener = new MovingClient('room');
    const leaver = new MovingClient('room');
    clients = [listener, leaver];
    await listener.open(instances[0]!);
    await leaver.open(instances[1]!);
    await waitUntil(() => openStreams() === 2);
    post(0, 10);
    await waitUntil(() => clients.every((client) => client.numbers().length === 10));
    leaver.close();

    await redis.kill();
    await redis.start();
    await waitUntil(() => instances.every((instance) => instance.redis.status === 'ready'), 10_000, 'both instances to reconnect');
    await new Promise((resolve) => setTimeout(resolve, 500));
    post(100, 20);
    await waitUntil(() => sinceReset(listener).length >= 20, 10_000, 'the listener to get the 20 messages');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expectOnceInIdOrder(listener, [...range(10), ...range(20).map((n) => 100 + n)]);
    expect(instances.flatMap((instance) => instance.errors)).toEqual([]);

    await leaver.open(instances[0]!);
    await waitUntil(() => leaver.numbers().length >= 30, 5000, 'the returning client to catch up');
    const events = leaver.events().slice(leaver.events().findIndex((event) => event.event === 'sse-reset'));
    expect(events[0]!.event).toBe('sse-reset');
    expect(sinceReset(leaver)).toEqual(sinceReset(listener));
    expectOnceInIdOrder(leaver, [...range(10), ...range(20).map((n) => 100 + n)]);
    // Ids of the new history are new ids: none of the 20 is sent under an id the first 10 had.
    const oldIds = new Set(leaver.events().slice(0, 10).map((event) => event.id));
    expect(events.slice(1).some((event) => oldIds.has(event.id))).toBe(false);
  }, 60_000);

  it('FLUSHALL: open streams keep every new event, and a client coming back with an id of the flushed history gets sse-reset, then every event since', async () => {
    redis = await startRedisServer();
    instances = await Promise.all([startInstance(redis.url), startInstance(redis.url)]);
    const listener = new MovingClient('room');
    const leaver = new MovingClient('room');
    clients = [listener, leaver];
    await listener.open(instances[1]!);
    await leaver.open(instances[0]!);
    await waitUntil(() => openStreams() === 2);
    post(0, 5);
    await waitUntil(() => clients.every((client) => client.numbers().length === 5));
    leaver.close();
    await redis.client.flushall();
    post(100, 5);
    await waitUntil(() => listener.numbers().length >= 10);
    await leaver.open(instances[1]!);
    await waitUntil(() => leaver.numbers().length >= 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expectOnceInIdOrder(listener, [0, 1, 2, 3, 4, 100, 101, 102, 103, 104]);
    expect(listener.events().some((event) => event.event === 'sse-reset')).toBe(false);
    expect(leaver.events().filter((event) => event.event === 'sse-reset')).toHaveLength(1);
    expectOnceInIdOrder(leaver, [0, 1, 2, 3, 4, 100, 101, 102, 103, 104]);
    expect(leaver.numbers()).toEqual(listener.numbers());
  }, 30_000);

  it('a failover to a replica that lagged: a listener that stayed gets the next 20 once, in order; clients that left before or after the lag get sse-reset, then all 20', async () => {
    redis = await startRedisServer();
    replica = await startRedisServer({ replicaOf: redis.port });
    proxy = await startTcpProxy(redis.port);
    instances = await Promise.all([startInstance(proxy.url), startInstance(proxy.url)]);
    const [listener, early, late] = [new MovingClient('room'), new MovingClient('room'), new MovingClient('room')];
    clients = [listener, early, late];
    await Promise.all(clients.map((client, index) => client.open(instances[index % 2]!)));
    await waitUntil(() => openStreams() === 3);
    post(0, 10);
    await waitUntil(() => clients.every((client) => client.numbers().length === 10));
    early.close();
    expect(await redis.client.wait(1, 5000)).toBe(1);
    // The replica stops following: what the primary stores from now on, it never gets.
    await replica.client.replicaof('NO', 'ONE');
    post(10, 5);
    await waitUntil(() => [listener, late].every((client) => client.numbers().length === 15));
    late.close();

    await redis.kill();
    proxy.switchTo(replica.port);
    await waitUntil(() => instances.every((instance) => instance.redis.status === 'ready'), 10_000, 'both instances to reach the promoted replica');
    await new Promise((resolve) => setTimeout(resolve, 500));
    post(100, 20);
    const expected = [...range(15), ...range(20).map((n) => 100 + n)];
    await waitUntil(() => sinceReset(listener).length >= 20, 10_000, 'the listener to get the 20 messages');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expectOnceInIdOrder(listener, expected);
    expect(instances.flatMap((instance) => instance.errors)).toEqual([]);

    for (const [client, before] of [[early, 10], [late, 15]] as const) {
      await client.open(instances[0]!);
      await waitUntil(() => client.numbers().length >= before + 20, 5000, 'the returning client to catch up');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(client.events().filter((event) => event.event === 'sse-reset')).toHaveLength(1);
      expect(sinceReset(client)).toEqual(sinceReset(listener));
      expectOnceInIdOrder(client, [...range(before), ...range(20).map((n) => 100 + n)]);
    }
  }, 60_000);
});
