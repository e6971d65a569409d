/** Instances of one replayable channel app, each with its own Redis client, and clients that move between them. */
import { expect } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { createSseApp, type AppOptions, type ConnectionManager, type RedisClient, type RedisSettings, type SseApp, type SseStream } from '../../runtime/index.js';
import { channelStreamEndpoint, listen, RawClient, service, type Running } from '../runtime/helpers.js';

export type Message = { message: { n: number } };
export type Connections = { channelStream: ConnectionManager<Message, { channel: string }> };

export const spec = service(
  channelStreamEndpoint({
    replay: { maxEvents: 5000, ttlMs: 60_000 },
    events: { message: { sseEvent: 'message', contentType: 'application/json' } },
  }),
);

/** 0, 1, …, count - 1. */
export const range = (count: number) => Array.from({ length: count }, (_, n) => n);

export interface Instance {
  app: SseApp<Connections>;
  running: Running;
  redis: RedisClient;
  /** Errors the runtime logged. */
  errors: string[];
  stop(): Promise<void>;
}

/** An instance on one Redis (its URL), or on a Redis Cluster (some of its nodes, `host:port`). */
export async function startInstance(url: string | string[], options: AppOptions = {}, redisSettings: Omit<RedisSettings, 'client'> = {}): Promise<Instance> {
  const redis = typeof url === 'string' ? new Redis(url, { maxRetriesPerRequest: null }) : new Cluster(url, { redisOptions: { maxRetriesPerRequest: null } });
  const errors: string[] = [];
  const logger = { warn() {}, error: (message: string) => void errors.push(message) };
  const app = createSseApp<Connections>(spec, { channelStream: (stream: SseStream<Message>) => stream.closed }, { redis: { ...redisSettings, client: redis }, logger, ...options });
  const running = await listen(app);
  return {
    app,
    running,
    redis,
    errors,
    async stop() {
      await app.sse.close({ deadlineMs: 100 });
      await running.close();
      redis.disconnect();
    },
  };
}

/**
 * A client of one channel that keeps every event it received, across reconnects: each time it
 * moves, it reopens on the given instance with the last id it got as `Last-Event-ID`.
 */
export class MovingClient {
  private done: Array<{ id?: string; event?: string; data: string }> = [];
  private current: RawClient | null = null;

  constructor(private readonly channel: string) {}

  async open(instance: Instance): Promise<void> {
    if (this.current) {
      this.current.close();
      this.done.push(...this.current.events());
    }
    const last = this.done.findLast((event) => event.id !== undefined)?.id;
    this.current = await RawClient.get(instance.running.port, `/channels/${this.channel}/stream`, last ? { 'Last-Event-ID': last } : {});
  }

  /** Every event so far, with the current connection's complete ones. */
  events(): Array<{ id?: string; event?: string; data: string }> {
    return [...this.done, ...(this.current?.events() ?? [])];
  }

  /** The `n` of every message received, in order. */
  numbers(): number[] {
    return this.events()
      .filter((event) => event.event === 'message')
      .map((event) => JSON.parse(event.data).n as number);
  }

  close(): void {
    this.current?.close();
  }
}

/** Open streams of the channel operation across `instances`. */
export function openStreams(instances: Instance[]): number {
  return instances.reduce((sum, instance) => sum + instance.app.sse.connections.channelStream.count(), 0);
}

/** Ends what a scale-out test started: its clients, then its instances, then the store they share. */
export async function stopAll(store: { stop(): Promise<void> } | undefined, instances: Instance[], clients: MovingClient[]): Promise<void> {
  for (const client of clients) client.close();
  await Promise.all(instances.map((instance) => instance.stop()));
  await store?.stop();
}

/**
 * A client got every number of `expected` once, in id order: broadcasts from several instances
 * are ordered by the ids Redis gives them, which grow by one within an epoch, and no event
 * came twice, under one id or two.
 */
export function expectOnceInIdOrder(client: MovingClient, expected: number[]): void {
  const messages = client.events().filter((event) => event.event === 'message');
  expect([...client.numbers()].sort((x, y) => x - y)).toEqual(expected);
  for (const [index, event] of messages.entries()) {
    const previous = messages[index - 1]?.id?.split('-');
    const [epoch, place] = event.id!.split('-');
    if (previous && previous[0] === epoch) expect(Number(place)).toBe(Number(previous[1]) + 1);
  }
  expect(new Set(messages.map((event) => event.id)).size).toBe(messages.length);
}

/** Prefix of explicit ids in these tests: such broadcasts are sent live only, not stored for replay. */
export const LIVE = 'live-';

/**
 * What a listener must see through a fault: within one history (ids `<epoch>-<n>`) every id
 * one more than the one before and no payload twice; a new history only after `sse-reset`.
 */
export function expectOneHistoryAtATime(client: MovingClient): void {
  let epoch: string | undefined;
  let place = 0;
  let resetSeen = false;
  let payloads = new Set<string>();
  for (const event of client.events()) {
    if (event.event === 'sse-reset') resetSeen = true;
    if (event.event !== 'message' || event.id!.startsWith(LIVE)) continue;
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
