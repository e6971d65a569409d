/**
 * Carries broadcasts to the connection managers of every instance. The in-memory one
 * delivers within this process; a shared one (Redis pub/sub, say) publishes the same
 * plain message and calls its subscribers when it arrives.
 */
import type { ReplayableEvent, ReplayKey, ReplayLimits } from './replay.js';

export interface BroadcastMessage extends ReplayableEvent {
  operationId: string;
  /** Path parameter values the receivers must match; `null` for every connection of the operation. */
  topic: Record<string, string> | null;
  /** Event id (assigned by the replayer, or explicit). */
  id?: string;
  /** True when `id` is the topic's replay id: a topic's replay ids only grow. */
  sequenced?: boolean;
}

/** A shared broadcaster's link to its store: `down` when cut off, `up` once back. */
export type BroadcasterStatus = { state: 'down'; error?: unknown } | { state: 'up' };

/** Delivers a message to this process's connections; returns how many received it. */
export type BroadcastSubscriber = (message: BroadcastMessage) => number;

export interface Broadcaster {
  /**
   * Sends a message to every subscriber (of every instance). Returns how many connections
   * of this process received it when that is known synchronously, else 0.
   */
  publish(message: BroadcastMessage): number;
  /** Registers this process's delivery; returns the function that unregisters it. */
  subscribe(subscriber: BroadcastSubscriber): () => void;
  /**
   * Assigns the message its replay id, stores and publishes it in one step, so that every
   * instance receives a topic's events in id order. A shared store implements it; without it
   * the replayer's `append` assigns the id and `publish` sends the message.
   */
  publishReplayable?(key: ReplayKey, message: BroadcastMessage, limits: ReplayLimits): Promise<string>;
  /**
   * Reports outages. Messages published while a broadcaster is `down` may not reach this
   * process, so after `up` the runtime replays to each replayable stream what it missed.
   */
  watch?(listener: (status: BroadcasterStatus) => void): () => void;
  /**
   * Settles once broadcasts published from now on reach this process. Streams open only after
   * it, so none misses what is published while the broadcaster starts.
   */
  readonly ready?: Promise<void>;
  /** Releases the broadcaster's own connections and timers. */
  close?(): Promise<void>;
}

export class MemoryBroadcaster implements Broadcaster {
  private readonly subscribers = new Set<BroadcastSubscriber>();

  publish(message: BroadcastMessage): number {
    let delivered = 0;
    for (const subscriber of this.subscribers) delivered += subscriber(message);
    return delivered;
  }

  subscribe(subscriber: BroadcastSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }
}
