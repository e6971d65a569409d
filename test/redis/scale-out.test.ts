import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpProblem } from '../../runtime/index.js';
import { freePort } from '../demo/process.js';
import { waitUntil } from '../runtime/helpers.js';
import { expectOnceInIdOrder, type Instance, MovingClient, openStreams as openStreamsOf, range, startInstance, stopAll } from './instances.js';
import { describeRedis, startRedisServer, type RedisServer } from './redis-server.js';

let redis: RedisServer | undefined;
let instances: Instance[] = [];
let clients: MovingClient[] = [];
afterEach(async () => {
  await stopAll(redis, instances, clients);
  [redis, instances, clients] = [undefined, [], []];
});

const openStreams = () => openStreamsOf(instances);
const expectExactlyOnceInOrder = (expected: number[]) => clients.forEach((client) => expectOnceInIdOrder(client, expected));

describeRedis('instances sharing one Redis', () => {
  it('1,000 broadcasts from two instances while clients move between them every few hundred ms: every client gets each once, in id order', async () => {
    redis = await startRedisServer();
    instances = await Promise.all([startInstance(redis.url), startInstance(redis.url)]);
    clients = range(8).map(() => new MovingClient('race'));
    await Promise.all(clients.map((client, index) => client.open(instances[index % 2]!)));
    await waitUntil(() => openStreams() === clients.length);

    let broadcasting = true;
    const moving = clients.map(async (client, index) => {
      for (let hop = index + 1; broadcasting; hop++) {
        await sleep(100 + Math.random() * 200);
        await client.open(instances[hop % 2]!);
      }
    });
    for (const n of range(1000)) {
      instances[n % 2]!.app.sse.connections.channelStream.broadcast('message', { n }, { topic: { channel: 'race' } });
      if (n % 10 === 9) await sleep(15);
    }
    broadcasting = false;
    await Promise.all(moving);
    await waitUntil(() => clients.every((client) => client.numbers().length >= 1000), 15_000, 'every client to hold 1,000 messages');
    await sleep(200);
    expect(clients.some((client) => client.events().some((event) => event.event === 'sse-reset'))).toBe(false);
    expectExactlyOnceInOrder(range(1000));
  }, 60_000);

  it('redis-server killed and restarted during 1,000 broadcasts: both instances recover and every acknowledged broadcast reaches the clients', async () => {
    redis = await startRedisServer({ durable: true });
    instances = await Promise.all([startInstance(redis.url, { metrics: true }), startInstance(redis.url, { metrics: true })]);
    const signals: string[] = [];
    const down = () => signals.push('down');
    const up = () => signals.push('up');
    diagnosticsChannel.subscribe('asyncapi-sse:broadcaster:down', down);
    diagnosticsChannel.subscribe('asyncapi-sse:broadcaster:up', up);
    clients = range(6).map(() => new MovingClient('restart'));
    await Promise.all(clients.map((client, index) => client.open(instances[index % 2]!)));
    await waitUntil(() => openStreams() === clients.length);
    const scrape = async (instance: Instance) => (await fetch(`${instance.running.url}/metrics`)).text();

    const acknowledged: number[] = [];
    let refused = 0;
    for (const n of range(1000)) {
      if (n === 300) await redis.kill();
      if (n === 500) {
        expect(await scrape(instances[0]!)).toMatch(/^sse_broadcaster_up 0$/m);
        await redis.start();
      }
      try {
        instances[n % 2]!.app.sse.connections.channelStream.broadcast('message', { n }, { topic: { channel: 'restart' } });
        acknowledged.push(n);
      } catch (error) {
        expect(error).toBeInstanceOf(HttpProblem);
        refused++;
      }
      if (n % 10 === 9) await sleep(10);
    }
    await waitUntil(() => clients.every((client) => client.numbers().length >= acknowledged.length), 20_000, 'every acknowledged broadcast to arrive');
    await sleep(300);
    diagnosticsChannel.unsubscribe('asyncapi-sse:broadcaster:down', down);
    diagnosticsChannel.unsubscribe('asyncapi-sse:broadcaster:up', up);

    expect(refused).toBe(0);
    expect(openStreams()).toBe(clients.length);
    expectExactlyOnceInOrder(acknowledged);
    expect(instances.flatMap((instance) => instance.errors)).toEqual([]);
    expect(signals).toContain('down');
    expect(signals.at(-1)).toBe('up');
    const metrics = await scrape(instances[1]!);
    expect(metrics).toMatch(/^sse_broadcaster_up 1$/m);
    expect(metrics).toMatch(/^sse_broadcaster_outages_total [1-9]/m);
  }, 90_000);

  it('while Redis is down, broadcasts wait in a bounded queue: past it the caller gets a 503 problem, and what was accepted arrives after reconnect', async () => {
    redis = await startRedisServer({ durable: true });
    instances = [await startInstance(redis.url, {}, { maxPendingBroadcasts: 5 })];
    clients = [new MovingClient('queue')];
    await clients[0]!.open(instances[0]!);
    await waitUntil(() => openStreams() === 1);
    const manager = instances[0]!.app.sse.connections.channelStream;
    manager.broadcast('message', { n: 0 }, { topic: { channel: 'queue' } });
    await waitUntil(() => clients[0]!.numbers().length === 1);
    await redis.kill();
    await waitUntil(() => instances[0]!.redis.status !== 'ready');
    for (const n of range(5)) manager.broadcast('message', { n: n + 1 }, { topic: { channel: 'queue' } });
    let refusal: unknown;
    try {
      manager.broadcast('message', { n: 6 }, { topic: { channel: 'queue' } });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(HttpProblem);
    expect((refusal as HttpProblem).status).toBe(503);
    expect((refusal as HttpProblem).message).toBe('Broadcast refused: 5 broadcasts already wait for Redis');
    await redis.start();
    await waitUntil(() => clients[0]!.numbers().length === 6, 15_000, 'the queued broadcasts');
    expect(clients[0]!.numbers()).toEqual([0, 1, 2, 3, 4, 5]);
  }, 60_000);

  it('refuses streams with a 503 problem when Redis cannot be reached at startup, instead of leaving them hanging', async () => {
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    instances = [await startInstance(nowhere)];
    const response = await fetch(`${instances[0]!.running.url}/channels/any/stream`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('retry-after')).toBe('5');
  }, 30_000);
});

