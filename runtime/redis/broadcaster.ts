/**
 * Broadcasts over Redis pub/sub: a message is published once and every instance fans it out to
 * its own connections. Replayable messages are stored and published by one script, so ids are
 * assigned once, cluster-wide, and reach every instance in id order.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { HttpProblem } from '../problem.js';
import type { BroadcastMessage, Broadcaster, BroadcasterStatus, BroadcastSubscriber, ReplayKey, ReplayLimits } from '../ports.js';
import type { RedisReplayer } from './replayer.js';

export interface RedisBroadcasterOptions {
  /**
   * Broadcasts accepted but not yet confirmed by Redis (they wait in the client's queue while
   * Redis is unreachable); past it `broadcast` throws a 503 `HttpProblem`. Default 10 000.
   */
  maxPendingBroadcasts?: number;
}

const DEFAULT_MAX_PENDING_BROADCASTS = 10_000;

export class RedisBroadcaster implements Broadcaster {
  /** Pub/sub needs a connection of its own. */
  private readonly subscriber: Redis;
  private readonly subscribers = new Set<BroadcastSubscriber>();
  private readonly listeners = new Set<(status: BroadcasterStatus) => void>();
  /** Numbers this instance's replayable publishes, so Redis applies a resent one only once. */
  private readonly instanceId = randomUUID();
  private sequence = 0;
  private pending = 0;
  /** Down until first subscribed. */
  private down = true;
  /** Settles once this instance first receives broadcasts. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private readonly maxPending: number;

  constructor(
    private readonly client: Redis,
    private readonly replayer: RedisReplayer,
    options: RedisBroadcasterOptions = {},
  ) {
    this.maxPending = options.maxPendingBroadcasts ?? DEFAULT_MAX_PENDING_BROADCASTS;
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    this.subscriber = client.duplicate({ autoResubscribe: false });
    this.subscriber.on('message', (_channel: string, text: string) => this.receive(text));
    // Subscribed only once the reply is in: a catch-up started earlier could miss what is published meanwhile.
    this.subscriber.on('ready', () => void this.subscriber.subscribe(replayer.keys.channel).then(() => this.linkChanged(), (error: unknown) => this.report({ state: 'down', error })));
    client.on('ready', () => this.linkChanged());
    for (const connection of [client, this.subscriber]) {
      connection.on('close', () => this.linkChanged());
      connection.on('error', (error: unknown) => this.report({ state: 'down', error }));
    }
  }

  publish(message: BroadcastMessage): number {
    this.refuseWhenBacklogged();
    this.track(this.client.publish(this.replayer.keys.channel, `\n${JSON.stringify(message)}`));
    return 0;
  }

  publishReplayable(key: ReplayKey, message: BroadcastMessage, limits: ReplayLimits): Promise<string> {
    this.refuseWhenBacklogged();
    const publish = { channel: this.replayer.keys.channel, message: JSON.stringify(message), sender: this.instanceId, sequence: ++this.sequence };
    return this.track(this.replayer.store(key, message, limits, publish));
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
    this.subscriber.disconnect();
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
    const newline = text.indexOf('\n');
    const message = JSON.parse(text.slice(newline + 1)) as BroadcastMessage;
    if (newline > 0) message.id = text.slice(0, newline);
    for (const subscriber of this.subscribers) subscriber(message);
  }

  /** Down as soon as either connection drops; up once both are back and subscribed. */
  private linkChanged(): void {
    const up = this.client.status === 'ready' && this.subscriber.status === 'ready' && this.subscriber.mode === 'subscriber';
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
