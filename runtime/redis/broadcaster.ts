/**
 * Broadcasts over Redis pub/sub, one channel per route (a topic, or every stream of an
 * operation): a message is published once, and each instance subscribes only to the routes it
 * has streams for and fans their messages out to its own connections. Replayable messages are
 * stored and published by one script, so ids are assigned once, cluster-wide, and reach every
 * instance in id order. On Redis Cluster the channels are sharded (SPUBLISH / SSUBSCRIBE), each
 * subscribed on its slot's master (see `ShardSubscriber`), and a store refused while a replica
 * takes over a lost master is sent again (see `RetryingStore`).
 */
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { HttpProblem } from '../problem.js';
import type { BroadcastMessage, BroadcastRoute, Broadcaster, BroadcasterStatus, BroadcastSubscriber, ReplayKey, ReplayLimits } from '../ports.js';
import type { RedisReplayer } from './replayer.js';
import { RetryingStore } from './retrying-store.js';
import { ShardSubscriber } from './shard-subscriber.js';

export interface RedisBroadcasterOptions {
  /**
   * Broadcasts accepted but not yet confirmed by Redis (they wait in the client's queue while
   * Redis is unreachable); past it `broadcast` throws a 503 `HttpProblem`. Default 10 000.
   */
  maxPendingBroadcasts?: number;
  /**
   * How long a replayable broadcast Redis refused is sent again before it counts as failed
   * (logged and counted in `sse_broadcasts_failed_total`). Default 30 000: a Redis Cluster
   * serves a lost master's slots again after `cluster-node-timeout` (15 s by default) and an
   * election of a second or two.
   */
  retryBroadcastsForMs?: number;
}

const DEFAULT_MAX_PENDING_BROADCASTS = 10_000;
const DEFAULT_RETRY_BROADCASTS_FOR_MS = 30_000;

/** A Redis client: one server, or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

interface Subscription {
  listeners: number;
  /** Settles once Redis confirmed the subscription. */
  subscribed: Promise<void>;
}

export class RedisBroadcaster implements Broadcaster {
  /** Pub/sub needs a connection of its own: one for one Redis, one per master of a cluster. */
  private readonly subscriber: Redis | null;
  private readonly shards: ShardSubscriber | null;
  private readonly subscribers = new Set<BroadcastSubscriber>();
  /** Channels this instance listens to, with how many of its streams need each. */
  private readonly subscriptions = new Map<string, Subscription>();
  /** See `RedisReplayer.sharded`. */
  private readonly sharded: boolean;
  private readonly received = { messages: 0, bytes: 0 };
  /** True once every channel is subscribed again after the subscriber (re)connected. */
  private resubscribed = false;
  /**
   * Settles at the next time every channel is subscribed again. Channels added while the
   * subscriber is away wait for it rather than send their own command (one Redis; a cluster's
   * channels are subscribed by `shards`).
   */
  private untilResubscribed!: Promise<void>;
  private resolveResubscribed!: () => void;
  private readonly listeners = new Set<(status: BroadcasterStatus) => void>();
  /** Numbers this instance's replayable publishes, so Redis applies a resent one only once. */
  private readonly instanceId = randomUUID();
  private sequence = 0;
  private readonly stores: RetryingStore;
  private pending = 0;
  /** Down until first subscribed. */
  private down = true;
  /** Settles once this instance first receives broadcasts. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private readonly maxPending: number;

  constructor(
    private readonly client: RedisClient,
    private readonly replayer: RedisReplayer,
    options: RedisBroadcasterOptions = {},
  ) {
    this.maxPending = options.maxPendingBroadcasts ?? DEFAULT_MAX_PENDING_BROADCASTS;
    this.stores = new RetryingStore(() => ++this.sequence, options.retryBroadcastsForMs ?? DEFAULT_RETRY_BROADCASTS_FOR_MS, () => client.status === 'end');
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    this.awaitResubscribe();
    this.sharded = replayer.sharded;
    client.on('ready', () => this.linkChanged());
    client.on('close', () => this.linkChanged());
    client.on('error', (error: unknown) => this.report({ state: 'down', error }));
    if (isCluster(client)) {
      this.subscriber = null;
      this.shards = new ShardSubscriber(client, (text) => this.receive(text), () => this.linkChanged());
      queueMicrotask(() => this.linkChanged());
      return;
    }
    this.shards = null;
    const subscriber = (this.subscriber = client.duplicate({ autoResubscribe: false }));
    subscriber.on('message', (_channel: string, text: string) => this.receive(text));
    // Up only once the replies are in: a catch-up started earlier could miss what is published meanwhile.
    subscriber.on('ready', () => void this.resubscribe(subscriber));
    subscriber.on('close', () => {
      this.resubscribed = false;
      this.linkChanged();
    });
    subscriber.on('error', (error: unknown) => this.report({ state: 'down', error }));
  }

  publish(message: BroadcastMessage): number {
    this.refuseWhenBacklogged();
    const channel = this.channelOf(message);
    const text = `\n${JSON.stringify(message)}`;
    this.track(this.sharded ? this.client.spublish(channel, text) : this.client.publish(channel, text));
    return 0;
  }

  publishReplayable(key: ReplayKey, message: BroadcastMessage, limits: ReplayLimits): Promise<string> {
    this.refuseWhenBacklogged();
    const publish = { channel: this.channelOf(message), message: JSON.stringify(message), sender: this.instanceId };
    const send = (sequence: number) => this.replayer.store(key, message, limits, { ...publish, sequence });
    return this.track(this.stores.store(this.replayer.keys.state(key), send));
  }

  listen(route: BroadcastRoute): Promise<void> {
    const channel = this.replayer.keys.channel(route);
    let subscription = this.subscriptions.get(channel);
    if (!subscription) {
      // Commands on one connection apply in order, so a subscribe sent after an unsubscribe of the same channel wins.
      // While the subscriber is away, the channel waits for it to be back, then subscribes itself: the
      // resubscribe under way may have listed the channels before this one was added.
      const added: Subscription = { listeners: 0, subscribed: Promise.resolve() };
      added.subscribed = this.shards
        ? this.shards.add(channel)
        : this.resubscribed ? this.subscribeTo(channel) : this.untilResubscribed.then(() => (this.subscriptions.get(channel) === added ? this.subscribeTo(channel) : undefined));
      added.subscribed.catch(() => {});
      this.subscriptions.set(channel, (subscription = added));
    }
    subscription.listeners++;
    return subscription.subscribed;
  }

  unlisten(route: BroadcastRoute): void {
    const channel = this.replayer.keys.channel(route);
    const subscription = this.subscriptions.get(channel);
    if (!subscription || --subscription.listeners > 0) return;
    this.subscriptions.delete(channel);
    // Dropped while Redis is unreachable, it is simply not subscribed again on reconnect.
    if (this.shards) this.shards.remove(channel);
    else this.subscriber!.unsubscribe(channel).catch(() => {});
  }

  /** Pub/sub messages Redis sent this instance since it started. */
  get messagesReceived(): number {
    return this.received.messages;
  }

  /** Their bytes (the payloads as published). */
  get bytesReceived(): number {
    return this.received.bytes;
  }

  /** Channels subscribed now (one per route with local streams). */
  get channels(): number {
    return this.subscriptions.size;
  }

  subscribe(subscriber: BroadcastSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  watch(listener: (status: BroadcasterStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscriber?.disconnect();
    this.shards?.close();
  }

  private subscribeTo(channel: string): Promise<void> {
    return this.subscriber!.subscribe(channel).then(() => {});
  }

  private awaitResubscribe(): void {
    this.untilResubscribed = new Promise((resolve) => (this.resolveResubscribed = resolve));
  }

  private channelOf(message: BroadcastMessage): string {
    return this.replayer.keys.channel({ operationId: message.operationId, topic: message.route });
  }

  /** Subscribes again to every channel in use after the subscriber (re)connected. */
  private resubscribe(subscriber: Redis): void {
    const channels = [...this.subscriptions.keys()];
    const subscribed = channels.length === 0 ? Promise.resolve() : subscriber.subscribe(...channels);
    subscribed.then(
      () => {
        this.resubscribed = true;
        this.resolveResubscribed();
        this.awaitResubscribe();
        this.linkChanged();
      },
      (error: unknown) => this.report({ state: 'down', error }),
    );
  }

  /** Refuses a broadcast the bounded queue cannot take, rather than lose it after accepting it. */
  private refuseWhenBacklogged(): void {
    if (this.pending < this.maxPending && this.client.status !== 'end') return;
    const why = this.client.status === 'end' ? 'the Redis client was closed' : `${this.pending} broadcasts already wait for Redis`;
    throw new HttpProblem(503, `Broadcast refused: ${why}`, { 'Retry-After': '1' });
  }

  private track<T>(sent: Promise<T>): Promise<T> {
    this.pending++;
    const settled = () => this.pending--;
    sent.then(settled, settled);
    return sent;
  }

  private receive(text: string): void {
    this.received.messages++;
    this.received.bytes += Buffer.byteLength(text);
    const newline = text.indexOf('\n');
    const message = JSON.parse(text.slice(newline + 1)) as BroadcastMessage;
    if (newline > 0) message.id = text.slice(0, newline);
    for (const subscriber of this.subscribers) subscriber(message);
  }

  /**
   * Down as soon as the client or a subscriber connection drops, or a channel is not subscribed
   * on its slot's master; up once all are back and subscribed.
   */
  private linkChanged(): void {
    const subscribed = this.shards ? this.shards.subscribed : this.subscriber!.status === 'ready' && this.resubscribed;
    const up = this.client.status === 'ready' && subscribed;
    if (up && this.down) this.report({ state: 'up' });
    else if (!up && !this.down) this.report({ state: 'down' });
  }

  private report(status: BroadcasterStatus): void {
    const down = status.state === 'down';
    if (down === this.down) return;
    this.down = down;
    if (!down) this.resolveReady();
    for (const listener of this.listeners) listener(status);
  }
}

function isCluster(client: RedisClient): client is Cluster {
  return client.isCluster;
}
