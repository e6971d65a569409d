/**
 * The interfaces adapters implement: where the runtime logs, how streams per identity are counted
 * across instances, how broadcasts travel between instances, and where replayable events are
 * kept. The in-memory implementations live beside the runtime; the Redis ones in redis/.
 */

export interface Logger {
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/**
 * Per-identity stream counts shared by every instance. A slot is held by each open stream of
 * an identity on an endpoint with `maxConnectionsPerIdentity`.
 */
export interface StreamSlots {
  /** Takes one of the identity's `cap` slots; `null` when all are taken. */
  reserve(operationId: string, identityId: string, cap: number): Promise<string | null>;
  release(slot: string): void;
}

/** An event as the wire carries it: SSE event name (null for data-only) and serialized data. */
export interface ReplayableEvent {
  event: string | null;
  data: string;
}

/** An event to store: a broadcast to part of a topic's streams carries its audience. */
export interface AppendedEvent extends ReplayableEvent {
  audience?: BroadcastAudience;
}

export interface StoredEvent extends ReplayableEvent {
  id: string;
}

/** What a replay is for: the returning stream's identity and metadata, matched against each addressed event's audience. */
export interface AudienceMember {
  readonly identity: { readonly id: string } | null;
  readonly metadata: Record<string, unknown>;
}

/**
 * What a returning client missed. `reset: false`: exactly the events after its id. `reset: true`:
 * the history its id belongs to is gone, or the events right after it are no longer held; the
 * client gets `sse-reset`, then `events`, the current history's events after its id (all it
 * holds when the id is of another history).
 */
export interface Missed {
  /**
   * Sent first, before `sse-reset`: the events still held after the client's id in its own
   * history, when that history was continued by a store that may lack its last events (a Redis
   * replica promoted, say).
   */
  before?: StoredEvent[];
  reset: boolean;
  events: StoredEvent[];
}

/**
 * Where a replay id `<epoch>-<n>` or `<epoch>-<n>.<k>` points (see replay.ts): the history it
 * belongs to, the place `seq` (n) of the last broadcast to the whole topic, and `sub` (k), the
 * rank of an addressed event among those stored since that place (0 for the place itself).
 */
export interface ReplayPosition {
  epoch: string;
  seq: number;
  sub: number;
}

export interface ReplayKey {
  operationId: string;
  /** Path parameter values in path order, URI-encoded and joined by `/`; `''` without parameters. */
  topic: string;
}

export interface ReplayLimits {
  maxEvents: number;
  ttlMs: number;
}

/**
 * Where replayable events are kept. Implement it over a shared store (Redis streams, say)
 * to let several instances replay one another's events.
 */
export interface Replayer {
  /**
   * Stores an event and returns the id assigned to it. A shared store may answer with a promise;
   * the event is then delivered once its id is known, and later broadcasts wait behind it.
   */
  append(key: ReplayKey, event: AppendedEvent, limits: ReplayLimits): string | Promise<string>;
  /**
   * What a client that last saw `lastEventId` missed (see `Missed`): of the addressed events,
   * only those `reader` is in the audience of (none without a reader).
   */
  since(key: ReplayKey, lastEventId: string, reader?: AudienceMember): Missed | Promise<Missed>;
  /**
   * True when the replayer stores an event's audience and replays it only to the streams in it
   * (see `since`). Without it, broadcasts to part of a topic's streams are sent live only.
   */
  readonly keepsAudience?: boolean;
  /** What is held for a topic now (for the connection inspector), when the store can tell at once. */
  retained?(key: ReplayKey): RetainedLog;
}

/** A topic's replay log: events held and their estimated bytes (none held: both 0). */
export interface RetainedLog {
  events: number;
  bytes: number;
}

/** Which streams of the addressed topic a broadcast is for (see `BroadcastOptions`); absent: all of them. */
export interface BroadcastAudience {
  identity?: string;
  exceptIdentity?: string;
  metadata?: Record<string, unknown>;
}

export interface BroadcastMessage extends ReplayableEvent {
  operationId: string;
  /** Path parameter values (or a joined topic) the receivers must match; `null` for every connection of the operation. */
  topic: Record<string, string> | null;
  audience?: BroadcastAudience;
  /** The route its receivers listen to (see `Broadcaster.listen`); `null` for every stream of the operation. */
  route: string | null;
  /** Event id (assigned by the replayer, or explicit). */
  id?: string;
  /** True when `id` is the topic's replay id: a topic's replay ids only grow. */
  sequenced?: boolean;
}

/**
 * What a stream listens to: the broadcasts of one topic of an operation (its own topic's key, or
 * a joined topic's key), or, with `topic: null`, those for every stream of the operation.
 */
export interface BroadcastRoute {
  operationId: string;
  topic: string | null;
}

/** A shared broadcaster's link to its store: `down` when cut off, `up` once back. */
export type BroadcasterStatus = { state: 'down'; error?: unknown } | { state: 'up' };

/** Delivers a message to this process's connections; returns how many received it. */
export type BroadcastSubscriber = (message: BroadcastMessage) => number;

export interface Broadcaster {
  /**
   * True when messages stay in this process. Only then may a broadcast carry a predicate
   * `filter`, which cannot travel to other instances.
   */
  readonly local?: boolean;
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
   * Reports a message `publish` accepted that could not be sent after all (the runtime logs it
   * and counts it in `sse_broadcasts_failed_total`); returns the function that stops reporting.
   */
  watchFailures?(listener: (message: BroadcastMessage, error: unknown) => void): () => void;
  /**
   * Settles once broadcasts published from now on reach this process. Streams open only after
   * it, so none misses what is published while the broadcaster starts.
   */
  readonly ready?: Promise<void>;
  /**
   * A routing broadcaster delivers to this process only the messages of the routes it listens
   * to. `listen` counts one more listener of the route and settles once its messages published
   * from then on arrive (streams open only after it); `unlisten` counts one less, and the route
   * is dropped after its last listener. Without them every message reaches every process.
   */
  listen?(route: BroadcastRoute): Promise<void>;
  unlisten?(route: BroadcastRoute): void;
  /** Releases the broadcaster's own connections and timers. */
  close?(): Promise<void>;
}
