/**
 * The in-memory broadcaster: delivers broadcasts within this process (the `Broadcaster` port of
 * ports.ts; a shared one, Redis pub/sub say, carries the same plain message to every instance).
 */
import type { BroadcastMessage, Broadcaster, BroadcastSubscriber } from './ports.js';

export class MemoryBroadcaster implements Broadcaster {
  readonly local = true;
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
