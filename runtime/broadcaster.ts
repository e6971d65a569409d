/**
 * Carries broadcasts to the connection managers of every instance. The in-memory one
 * delivers within this process; a shared one (Redis pub/sub, say) publishes the same
 * plain message and calls its subscribers when it arrives.
 */
import type { ReplayableEvent } from './replay.js';

export interface BroadcastMessage extends ReplayableEvent {
  operationId: string;
  /** Path parameter values the receivers must match; `null` for every connection of the operation. */
  topic: Record<string, string> | null;
  /** Event id (assigned by the replayer, or explicit). */
  id?: string;
}

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
