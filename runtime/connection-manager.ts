/**
 * The connection manager of one stream operation: a registry of its open connections,
 * indexed by topic (path parameter values), and the delivery of broadcasts to them.
 */
import { newestConnectionSerial, type CloseReason, type Params, type SseConnection } from './connection.js';
import { FanOuts } from './fan-out.js';
import { channels, publish } from './diagnostics.js';
import type { HeartbeatScheduler } from './heartbeat.js';
import type { OperationMetrics } from './metrics.js';
import type { SlowClientPolicy } from './options.js';
import { FULL_WRITE_BYTES, type Flushable, type Outbox } from './outbox.js';
import { HttpProblem, withinTime } from './problem.js';
import { inAudience } from './audience.js';
import type { BroadcastAudience, BroadcastMessage, BroadcastRoute, Broadcaster, Logger, Replayer, ReplayPosition, StoredEvent, StreamSlots } from './ports.js';
import { parseReplayId, replayId } from './replay.js';
import type {
  BroadcastOptions,
  ConnectionFilter,
  ConnectionInfo,
  ConnectionManager,
  EventMap,
  Identity,
  StreamEndpointSpec,
} from './types.js';
import { serializePayload } from './validation.js';
import { assertEventId, frameEvent } from './wire.js';

export interface ConnectionManagerSettings {
  maxBufferedBytes: number;
  slowClientPolicy: SlowClientPolicy;
  slowClientTimeoutMs: number;
  validateOutgoing: boolean;
  heartbeatMs: number;
  metrics: OperationMetrics;
}

/** What all managers of a runtime share. */
export interface ConnectionManagerServices {
  replayer: Replayer;
  logger: Logger;
  broadcaster: Broadcaster;
  heartbeat: HeartbeatScheduler;
  outbox: Outbox;
  /** Shared per-identity counts; without them each process counts its own streams. */
  slots?: StreamSlots;
  /** Told when any connection closes (the runtime keeps the global count). */
  released(connection: SseConnection): void;
}

/** The topic of a connection: its path parameter values, URI-encoded, joined by `/`. */
export function topicKey(paramNames: string[], params: Record<string, unknown>): string {
  return paramNames.map((name) => encodeURIComponent(String(params[name]))).join('/');
}

const REPLAY_RESET = 'sse-reset';
/** Longest a stream waits for its topic's broadcasts to reach this process (Redis unreachable, say) before it is refused. */
const LISTEN_WAIT_MS = 5_000;

export class OperationConnectionManager implements ConnectionManager<EventMap, Params>, Flushable {
  private readonly all = new Map<string, SseConnection>();
  private readonly byTopic = new Map<string, Set<SseConnection>>();
  /** Connections by the topics they joined besides their own (see `joinedTopicKey`). */
  private readonly byJoinedTopic = new Map<string, Set<SseConnection>>();
  /** The joined topics of each connection, with the route each listens to (`null`: none of its own). */
  private readonly joinedBy = new Map<SseConnection, Map<string, string | null>>();
  /** Broadcasts to whole topics, waiting for the outbox's flush (see fan-out). */
  private readonly fanOuts = new FanOuts<SseConnection>();
  private readonly perIdentity = new Map<string, number>();
  /** The shared slot each capped stream holds (with `slots` only). */
  private readonly slotOf = new Map<SseConnection, string>();
  /** Messages queued behind an unassigned replay id, and the tail of that queue. */
  private waiting = 0;
  private publishing: Promise<void> = Promise.resolve();
  readonly maxBufferedBytes: number;
  readonly slowClientPolicy: SlowClientPolicy;
  /** Longest time the socket may go without draining while frames wait; then the client is dropped. */
  readonly slowClientTimeoutMs: number;
  readonly validateOutgoing: boolean;
  readonly heartbeatMs: number;
  readonly metrics: OperationMetrics;
  /** Holds each connection's frames until they leave together. */
  readonly outbox: Outbox;

  constructor(
    readonly spec: StreamEndpointSpec,
    settings: ConnectionManagerSettings,
    private readonly services: ConnectionManagerServices,
  ) {
    this.maxBufferedBytes = settings.maxBufferedBytes;
    this.slowClientPolicy = settings.slowClientPolicy;
    this.slowClientTimeoutMs = settings.slowClientTimeoutMs;
    this.validateOutgoing = settings.validateOutgoing;
    this.heartbeatMs = settings.heartbeatMs;
    this.metrics = settings.metrics;
    this.outbox = services.outbox;
  }

  get operationId(): string {
    return this.spec.operationId;
  }

  /**
   * Throws 429 when the identity already holds its share of this endpoint's streams. With shared
   * slots, answers with a promise of the slot taken (it rejects with the 429).
   */
  reserveIdentitySlot(identity: Identity | null): Promise<string> | undefined {
    const cap = this.spec.maxConnectionsPerIdentity;
    if (!identity || cap === undefined) return undefined;
    if ((this.perIdentity.get(identity.id) ?? 0) >= cap) throw this.tooManyStreams(cap);
    return this.services.slots?.reserve(this.operationId, identity.id, cap).then((slot) => {
      if (slot === null) throw this.tooManyStreams(cap);
      return slot;
    });
  }

  private tooManyStreams(cap: number): HttpProblem {
    return new HttpProblem(429, `At most ${cap} open streams per identity on this endpoint`, { 'Retry-After': String(retryAfterSeconds(this.spec)) });
  }

  /** Gives back a slot `reserveIdentitySlot` took for a stream that never opened. */
  releaseSlot(slot: string): void {
    this.services.slots?.release(slot);
  }

  register(connection: SseConnection, slot?: string): void {
    if (slot !== undefined) this.slotOf.set(connection, slot);
    this.all.set(connection.id, connection);
    let topic = this.byTopic.get(connection.topic);
    if (!topic) this.byTopic.set(connection.topic, (topic = new Set()));
    topic.add(connection);
    this.fanOuts.seal(connection.topic);
    if (connection.identity) this.perIdentity.set(connection.identity.id, (this.perIdentity.get(connection.identity.id) ?? 0) + 1);
    this.services.heartbeat.add(this.heartbeatMs, connection);
    this.metrics.open.inc();
  }

  /** Called once when a connection closes, for any reason. */
  release(connection: SseConnection, reason: CloseReason): void {
    if (!this.all.delete(connection.id)) return;
    const topic = this.byTopic.get(connection.topic);
    topic?.delete(connection);
    if (topic?.size === 0) this.byTopic.delete(connection.topic);
    this.leaveJoinedTopics(connection);
    this.unlisten(connection.topic);
    const identity = connection.identity?.id;
    if (identity !== undefined) {
      const remaining = (this.perIdentity.get(identity) ?? 1) - 1;
      if (remaining > 0) this.perIdentity.set(identity, remaining);
      else this.perIdentity.delete(identity);
    }
    const slot = this.slotOf.get(connection);
    if (slot !== undefined) {
      this.slotOf.delete(connection);
      this.releaseSlot(slot);
    }
    this.services.heartbeat.remove(this.heartbeatMs, connection);
    this.metrics.open.dec();
    this.services.released(connection);
    const signal = { operationId: this.operationId, connectionId: connection.id };
    if (reason === 'client-disconnected') publish(channels.clientDisconnected, signal);
    publish(channels.ended, { ...signal, reason });
  }

  /**
   * With a routing broadcaster, starts receiving what a stream of `topic` (a topic key) needs:
   * its topic's broadcasts and those for every stream of the operation. Settles once they
   * arrive; `unlisten` undoes it.
   */
  listen(topic: string): Promise<void> | undefined {
    const { broadcaster } = this.services;
    if (!broadcaster.listen) return undefined;
    const listened = Promise.all([broadcaster.listen(this.route(topic)), broadcaster.listen(this.route(null))]);
    return withinTime(listened, LISTEN_WAIT_MS, () => new HttpProblem(503, 'Broadcasts of this topic are not reachable yet', { 'Retry-After': '5' })).then(() => {});
  }

  unlisten(topic: string): void {
    this.services.broadcaster.unlisten?.(this.route(topic));
    this.services.broadcaster.unlisten?.(this.route(null));
  }

  private route(topic: string | null): BroadcastRoute {
    return { operationId: this.operationId, topic };
  }

  join(connection: SseConnection, topic: Record<string, string | number>): Promise<void> {
    const values = stringValues(topic);
    const key = joinedTopicKey(values);
    let joined = this.joinedBy.get(connection);
    if (!joined) this.joinedBy.set(connection, (joined = new Map()));
    if (joined.has(key)) return Promise.resolve();
    let members = this.byJoinedTopic.get(key);
    if (!members) this.byJoinedTopic.set(key, (members = new Set()));
    members.add(connection);
    // Broadcasts to part of the endpoint's own topics travel to every stream of the operation, which each stream listens to already.
    const route = this.routeOf(values);
    joined.set(key, route);
    if (route === null || route === connection.topic) return Promise.resolve();
    return this.services.broadcaster.listen?.(this.route(route)) ?? Promise.resolve();
  }

  private leaveJoinedTopics(connection: SseConnection): void {
    const joined = this.joinedBy.get(connection);
    if (!joined) return;
    this.joinedBy.delete(connection);
    for (const [key, route] of joined) {
      const members = this.byJoinedTopic.get(key);
      members?.delete(connection);
      if (members?.size === 0) this.byJoinedTopic.delete(key);
      if (route !== null && route !== connection.topic) this.services.broadcaster.unlisten?.(this.route(route));
    }
  }

  /** Called when a slow client passes its byte cap. */
  slowClient(connection: SseConnection, droppedEvents: number): void {
    if (droppedEvents > 0) this.metrics.eventsDropped.inc(droppedEvents);
    else this.metrics.clientsDropped.inc();
    publish(channels.slowClientDropped, {
      operationId: this.operationId,
      connectionId: connection.id,
      policy: this.slowClientPolicy,
      droppedEvents,
    });
  }

  list(filter?: ConnectionFilter<Params, Record<string, unknown>>): ConnectionInfo<Params>[] {
    const connections: ConnectionInfo<Params>[] = [...this.all.values()];
    return filter ? connections.filter(filter) : connections;
  }

  count(filter?: ConnectionFilter<Params, Record<string, unknown>>): number {
    return filter ? this.list(filter).length : this.all.size;
  }

  get(connectionId: string): ConnectionInfo<Params> | undefined {
    return this.all.get(connectionId);
  }

  disconnect(filter?: ConnectionFilter<Params, Record<string, unknown>>): number {
    let closed = 0;
    for (const connection of [...this.all.values()]) {
      if (filter && !filter(connection)) continue;
      connection.close();
      closed++;
    }
    return closed;
  }

  /**
   * Validates and serializes once, then publishes. On replayable endpoints, events addressed to
   * one topic (or on an endpoint without path parameters) are stored and get a replay id: the
   * next place `<epoch>-<n>` for the whole topic, `<epoch>-<n>.<k>` for part of its streams
   * (`identity`, `exceptIdentity`, `metadata`), stored with that audience and replayed only to
   * it, so each client still sees its topic's places grow by one (see replay.ts).
   */
  broadcast(event: string, data: unknown, options: BroadcastOptions<Params, Record<string, unknown>> = {}): number {
    const spec = this.spec.events[event];
    if (!spec) throw new TypeError(`Operation "${this.operationId}" has no event "${event}"`);
    if (options.filter && !this.services.broadcaster.local) {
      throw new TypeError(
        `broadcast on "${this.operationId}": a filter predicate cannot reach the streams of other instances sharing this broadcaster; address them with topic, identity, exceptIdentity or metadata instead`,
      );
    }
    const text = serializePayload(event, spec, data, this.validateOutgoing);
    if (options.id !== undefined) assertEventId(options.id);
    const topic = options.topic ? stringValues(options.topic) : null;
    if (options.filter) {
      const frame = frameEvent({ event: spec.sseEvent, data: text, id: options.id });
      return this.deliverTo(frame, null, () => frame, topic, audienceOf(options), options.filter);
    }
    const audience = audienceOf(options);
    const message: BroadcastMessage = { operationId: this.operationId, topic, route: this.routeOf(topic), event: spec.sseEvent, data: text, id: options.id };
    if (audience) message.audience = audience;
    const key = this.completeTopicKey(topic);
    const { broadcaster, replayer } = this.services;
    if (options.id !== undefined || !this.spec.replay || key === null || (audience && !replayer.keepsAudience)) return this.publish(message);
    const replayKey = { operationId: this.operationId, topic: key };
    if (broadcaster.publishReplayable) {
      broadcaster.publishReplayable(replayKey, { ...message, sequenced: true }, this.spec.replay).catch((error: unknown) => this.failed(error));
      return 0;
    }
    const id = replayer.append(replayKey, audience ? { event: spec.sseEvent, data: text, audience } : { event: spec.sseEvent, data: text }, this.spec.replay);
    if (typeof id === 'string') return this.publish({ ...message, id, sequenced: true });
    return this.publish(
      id.then(
        (assigned) => ({ ...message, id: assigned, sequenced: true }),
        (error: unknown) => {
          this.services.logger.error(`replay log of ${this.operationId} failed; event sent live without an id`, { error });
          return message;
        },
      ),
    );
  }

  /** A broadcast accepted earlier could not be sent: it is counted and logged, never dropped in silence. */
  failed(error: unknown): void {
    this.metrics.broadcastsFailed.inc();
    this.services.logger.error(`broadcast of ${this.operationId} failed`, { error });
  }

  /**
   * Publishes in call order. A message still waiting for its replay id (an asynchronous
   * replayer) holds back the ones after it; until it is out, broadcast returns 0.
   */
  private publish(message: BroadcastMessage | Promise<BroadcastMessage>): number {
    if (this.waiting === 0 && !(message instanceof Promise)) return this.services.broadcaster.publish(message);
    this.waiting++;
    this.publishing = this.publishing
      .then(() => message)
      .then((ready) => {
        this.waiting--;
        this.services.broadcaster.publish(ready);
      })
      .catch((error: unknown) => this.failed(error));
    return 0;
  }

  /** Writes a published message to the matching connections of this process. */
  deliver(message: BroadcastMessage): number {
    const frame = frameEvent(message);
    if (!message.sequenced || message.id === undefined) return this.deliverTo(frame, null, () => frame, message.topic, message.audience);
    // A joined topic's replay ids belong to another topic's history, so its events travel without them.
    const withoutId = () => frameEvent({ event: message.event, data: message.data });
    return this.deliverTo(frame, positionOf(message.id), withoutId, message.topic, message.audience);
  }

  /**
   * After the broadcaster was cut off (see `holdLive`), replays to each replayable stream what it may have missed
   * meanwhile: from the last id it received, or `sse-reset` when it has received none.
   */
  catchUp(): void {
    if (!this.spec.replay) return;
    for (const connection of this.all.values()) {
      if (!Number.isNaN(connection.lastSeq)) {
        const lastId = connection.lastEpoch === '' ? String(connection.lastSeq) : replayId(connection.lastEpoch, connection.lastSeq, connection.lastSub);
        void this.replayMissed(connection, lastId).catch((error: unknown) => this.failed(error));
        continue;
      }
      this.reset(connection, null);
      connection.endReplay();
    }
  }

  /** While the broadcaster is cut off, live messages are held so that the catch-up goes first. */
  holdLive(): void {
    if (!this.spec.replay) return;
    for (const connection of this.all.values()) connection.beginReplay();
  }

  private reset(connection: SseConnection, lastEventId: string | null): void {
    connection.write(frameEvent({ event: REPLAY_RESET, data: JSON.stringify({ reason: 'replay-unavailable', lastEventId }) }));
    this.metrics.replayResets.inc();
  }

  /**
   * Holds everything a stream coming back with an id on a replayable endpoint is sent, its own
   * handler's events and end included, until `replayTo` has sent what it missed (or
   * `sse-reset`). False when there is nothing to replay.
   */
  holdForReplay(connection: SseConnection): boolean {
    if (!this.spec.replay || connection.lastEventId === null) return false;
    connection.beginReplay(true);
    return true;
  }

  /**
   * Sends the events a stream held by `holdForReplay` missed: of the addressed ones, those its
   * identity and its metadata as it is now are in the audience of.
   */
  replayTo(connection: SseConnection): Promise<void> {
    return this.replayMissed(connection, connection.lastEventId!);
  }

  private async replayMissed(connection: SseConnection, lastEventId: string): Promise<void> {
    connection.beginReplay();
    try {
      const { before = [], reset, events } = await this.services.replayer.since({ operationId: this.operationId, topic: connection.topic }, lastEventId, connection);
      if (connection.isClosed) return;
      if (!reset || before.length > 0) {
        const through = positionOf(lastEventId);
        connection.enterEpoch(through.epoch);
        connection.hasThrough(through.seq, through.sub);
      }
      this.replayEvents(connection, before);
      if (reset) this.reset(connection, lastEventId);
      this.replayEvents(connection, events);
    } finally {
      connection.endReplay();
    }
  }

  private replayEvents(connection: SseConnection, events: StoredEvent[]): void {
    for (const event of events) {
      const position = positionOf(event.id);
      connection.sendReplayed(frameEvent(event), position.seq, position.epoch, position.sub);
    }
    this.metrics.replayed.inc(events.length);
  }

  /** The key of the endpoint's own topic `topic` names, or `null` when it names part of one, or a joined topic. */
  private completeTopicKey(topic: Record<string, string> | null): string | null {
    const names = this.spec.paramNames;
    if (topic && !this.namesOwnTopic(topic)) return null;
    if (names.length === 0) return '';
    if (!topic || !names.every((name) => name in topic)) return null;
    return topicKey(names, topic);
  }

  /** Where a broadcast to `topic` travels: its own topic's key, a joined topic's key, or `null` for several of the endpoint's topics. */
  private routeOf(topic: Record<string, string> | null): string | null {
    return topic && !this.namesOwnTopic(topic) ? joinedTopicKey(topic) : this.completeTopicKey(topic);
  }

  /** True when every name of `topic` is a path parameter: it addresses streams by their own topic. */
  private namesOwnTopic(topic: Record<string, string>): boolean {
    for (const name in topic) if (!this.spec.paramNames.includes(name)) return false;
    return true;
  }

  /** Writes `frame` to the matching streams of `topic`, and `joinedFrame()` to those that joined it. */
  private deliverTo(
    frame: Buffer,
    position: ReplayPosition | null,
    joinedFrame: () => Buffer,
    topic: Record<string, string> | null,
    audience: BroadcastAudience | undefined,
    filter?: ConnectionFilter<Params, Record<string, unknown>>,
  ): number {
    const receives = (connection: SseConnection) => (!audience || inAudience(connection, audience)) && (!filter || filter(connection));
    let delivered = 0;
    let bytes = 0;
    const ownTopic = !topic || this.namesOwnTopic(topic);
    const key = ownTopic ? this.completeTopicKey(topic) : null;
    if (key !== null && !audience && !filter) {
      // Every stream of one topic: one append, written to all of them at the flush.
      delivered = this.fanOut(key, frame, position);
      bytes = delivered * frame.length;
    } else {
      const own = !ownTopic ? undefined : key !== null ? this.byTopic.get(key) : this.all.values();
      for (const connection of own ?? []) {
        if (key === null && topic && !matchesTopic(connection.params, topic)) continue;
        if (!receives(connection)) continue;
        if (position) connection.deliver(frame, position.seq, position.epoch, position.sub);
        else connection.deliver(frame, NaN, null);
        delivered++;
        bytes += frame.length;
      }
    }
    // Most services join no topics: skip building the joined key (a sort and a join) on every broadcast.
    const joined = topic && this.byJoinedTopic.size > 0 && this.byJoinedTopic.get(joinedTopicKey(topic));
    if (joined) {
      let joinedBytes: Buffer | undefined;
      for (const connection of joined) {
        if (!receives(connection) || (ownTopic && (key !== null ? connection.topic === key : matchesTopic(connection.params, topic)))) continue;
        joinedBytes ??= joinedFrame();
        connection.deliver(joinedBytes, NaN, null);
        delivered++;
        bytes += joinedBytes.length;
      }
    }
    this.metrics.eventsSent.inc(delivered);
    this.metrics.bytesSent.inc(bytes);
    return delivered;
  }

  /** One append for the whole topic; the flush writes it to every connection (see `flush`). */
  private fanOut(key: string, frame: Buffer, position: ReplayPosition | null): number {
    const members = this.byTopic.get(key);
    if (!members) return 0;
    if (this.fanOuts.isEmpty) this.outbox.schedule(this);
    const batch = this.fanOuts.add(key, members, newestConnectionSerial(), frame, position);
    if (batch.bytes >= FULL_WRITE_BYTES) this.outbox.hurry();
    return members.size;
  }

  /** The outbox's flush: every waiting broadcast batch to the connections it is owed to, oldest first. */
  flush(): void {
    for (const batch of this.fanOuts.drain()) {
      for (const connection of batch.members) if (batch.owes(connection)) connection.receiveFanOut(batch);
    }
  }

  /** Hands the connection, now, the broadcasts waiting for the flush that it is owed. */
  takeOwed(connection: SseConnection): void {
    if (this.fanOuts.isEmpty) return;
    for (const batch of this.fanOuts.takeOwed(connection)) connection.holdFanOut(batch);
  }

  /** True when broadcasts to this topic wait for the flush. */
  fanOutPending(topic: string): boolean {
    return this.fanOuts.pendingFor(topic);
  }
}

/** The position of a replay id; a replayer of its own may still issue plain decimal ids, all of one epoch. */
function positionOf(id: string): ReplayPosition {
  return parseReplayId(id) ?? { epoch: '', seq: Number(id), sub: 0 };
}

function audienceOf(options: BroadcastOptions<Params, Record<string, unknown>>): BroadcastAudience | undefined {
  const { identity, exceptIdentity, metadata } = options;
  if (identity === undefined && exceptIdentity === undefined && metadata === undefined) return undefined;
  const audience: BroadcastAudience = {};
  if (identity !== undefined) audience.identity = identity;
  if (exceptIdentity !== undefined) audience.exceptIdentity = exceptIdentity;
  if (metadata !== undefined) audience.metadata = metadata;
  return audience;
}

/**
 * A joined topic's key: its names in order with their values, so `{a, b}` and `{b, a}` are one
 * topic. It always holds an `=`, which own topic keys (URI-encoded values) never do.
 */
function joinedTopicKey(topic: Record<string, string>): string {
  return Object.keys(topic)
    .sort()
    .map((name) => `${encodeURIComponent(name)}=${encodeURIComponent(topic[name]!)}`)
    .join('&');
}

function stringValues(topic: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(topic)) if (value !== undefined) values[name] = String(value);
  return values;
}

function matchesTopic(params: Params, topic: Record<string, string>): boolean {
  for (const name in topic) if (String(params[name]) !== topic[name]) return false;
  return true;
}

export function retryAfterSeconds(spec: StreamEndpointSpec): number {
  return Math.max(1, Math.ceil((spec.retryMs ?? 5000) / 1000));
}
