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
import { HttpProblem } from './problem.js';
import type { BroadcastMessage, Broadcaster, Logger, Replayer, StreamSlots } from './ports.js';
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

export class OperationConnectionManager implements ConnectionManager<EventMap, Params>, Flushable {
  private readonly all = new Map<string, SseConnection>();
  private readonly byTopic = new Map<string, Set<SseConnection>>();
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
   * Validates and serializes once, then publishes. Events addressed to one topic (or on an
   * endpoint without path parameters) get the next replay id on replayable endpoints.
   */
  broadcast(event: string, data: unknown, options: BroadcastOptions<Params, Record<string, unknown>> = {}): number {
    const spec = this.spec.events[event];
    if (!spec) throw new TypeError(`Operation "${this.operationId}" has no event "${event}"`);
    const text = serializePayload(event, spec, data, this.validateOutgoing);
    if (options.id !== undefined) assertEventId(options.id);
    const topic = options.topic ? stringValues(options.topic) : null;
    if (options.filter) {
      const frame = frameEvent({ event: spec.sseEvent, data: text, id: options.id });
      return this.deliverTo(frame, NaN, topic, options.filter);
    }
    const message: BroadcastMessage = { operationId: this.operationId, topic, event: spec.sseEvent, data: text, id: options.id };
    const key = this.completeTopicKey(topic);
    if (options.id !== undefined || !this.spec.replay || key === null) return this.publish(message);
    const replayKey = { operationId: this.operationId, topic: key };
    const { broadcaster, replayer } = this.services;
    if (broadcaster.publishReplayable) {
      broadcaster.publishReplayable(replayKey, { ...message, sequenced: true }, this.spec.replay).catch((error: unknown) => this.failed(error));
      return 0;
    }
    const id = replayer.append(replayKey, { event: spec.sseEvent, data: text }, this.spec.replay);
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
  private failed(error: unknown): void {
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
    return this.deliverTo(frame, message.sequenced && message.id ? Number(message.id) : NaN, message.topic);
  }

  /**
   * After the broadcaster was cut off (see `holdLive`), replays to each replayable stream what it may have missed
   * meanwhile: from the last id it received, or `sse-reset` when it has received none.
   */
  catchUp(): void {
    if (!this.spec.replay) return;
    for (const connection of this.all.values()) {
      if (!Number.isNaN(connection.lastSeq)) {
        void this.replayMissed(connection, String(connection.lastSeq)).catch((error: unknown) => this.failed(error));
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
   * Sends the events a reconnecting client missed, or the `sse-reset` signal, before any live
   * event. Returns nothing when there is nothing to replay, so a fresh stream holds no promise.
   */
  replayTo(connection: SseConnection): Promise<void> | undefined {
    const lastEventId = connection.lastEventId;
    if (!this.spec.replay || lastEventId === null) return undefined;
    return this.replayMissed(connection, lastEventId);
  }

  private async replayMissed(connection: SseConnection, lastEventId: string): Promise<void> {
    connection.beginReplay();
    try {
      const events = await this.services.replayer.since({ operationId: this.operationId, topic: connection.topic }, lastEventId);
      if (connection.isClosed) return;
      if (events === null) {
        this.reset(connection, lastEventId);
        return;
      }
      connection.hasThrough(Number(lastEventId));
      for (const event of events) connection.sendReplayed(frameEvent(event), Number(event.id));
      this.metrics.replayed.inc(events.length);
    } finally {
      connection.endReplay();
    }
  }

  private completeTopicKey(topic: Record<string, string> | null): string | null {
    const names = this.spec.paramNames;
    if (names.length === 0) return '';
    if (!topic || !names.every((name) => name in topic)) return null;
    return topicKey(names, topic);
  }

  private deliverTo(frame: Buffer, seq: number, topic: Record<string, string> | null, filter?: ConnectionFilter<Params, Record<string, unknown>>): number {
    const key = this.completeTopicKey(topic);
    if (key !== null && !filter) return this.fanOut(key, frame, seq);
    const candidates = key !== null ? this.byTopic.get(key) : this.all.values();
    if (!candidates) return 0;
    let delivered = 0;
    for (const connection of candidates) {
      if (key === null && topic && !matchesTopic(connection.params, topic)) continue;
      if (filter && !filter(connection)) continue;
      connection.deliver(frame, seq);
      delivered++;
    }
    this.metrics.eventsSent.inc(delivered);
    this.metrics.bytesSent.inc(delivered * frame.length);
    return delivered;
  }

  /** One append for the whole topic; the flush writes it to every connection (see `flush`). */
  private fanOut(key: string, frame: Buffer, seq: number): number {
    const members = this.byTopic.get(key);
    if (!members) return 0;
    if (this.fanOuts.isEmpty) this.outbox.schedule(this);
    const batch = this.fanOuts.add(key, members, newestConnectionSerial(), frame, seq);
    if (batch.bytes >= FULL_WRITE_BYTES) this.outbox.hurry();
    const delivered = members.size;
    this.metrics.eventsSent.inc(delivered);
    this.metrics.bytesSent.inc(delivered * frame.length);
    return delivered;
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
