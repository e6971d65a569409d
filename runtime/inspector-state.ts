/**
 * What the connection inspector shows, gathered while it is enabled: per operation its open
 * connections, event and byte counts, the last events broadcast and the replay log of each topic;
 * and the broadcaster's state. Everything kept or sent is capped, so a busy app cannot grow it.
 */
import type { Broadcaster, BroadcastMessage, BroadcasterStatus, Replayer } from './ports.js';
import type { SseConnection } from './connection.js';
import type { OperationConnectionManager } from './connection-manager.js';
import type { OperationMetrics } from './metrics.js';

const DEFAULT_RECENT_EVENTS = 20;
/** Connections listed per operation (the slowest first); the count covers the rest. */
const MAX_CONNECTIONS_SHOWN = 100;
/** Topics listed per operation with their replay logs. */
const MAX_TOPICS_SHOWN = 50;
/** Characters kept of an event's data, and of a connection's metadata as JSON. */
const MAX_PREVIEW_CHARS = 200;

export interface RecentEvent {
  at: number;
  event: string | null;
  id: string | null;
  topic: Record<string, string> | null;
  /** Length of the whole data, in UTF-16 code units. */
  size: number;
  /** The data's first `MAX_PREVIEW_CHARS` characters. */
  data: string;
  truncated: boolean;
}

export interface ConnectionView {
  id: string;
  topic: string;
  params: Record<string, unknown>;
  /** The identity's id only: nothing else an identity carries (tokens, claims) is shown. */
  identity: string | null;
  /** The stream's metadata as JSON, cut to `MAX_PREVIEW_CHARS`. */
  metadata: string;
  connectedAt: number;
  lastEventId: string | null;
  bufferedBytes: number;
  /** How long frames have waited for the socket to drain; `null` while it takes every write. */
  waitingMs: number | null;
}

export interface TopicView {
  topic: string;
  connections: number;
  /** `null` when the replayer cannot tell at once (a shared store), or the operation keeps no replay. */
  replay: { events: number; bytes: number } | null;
}

export interface OperationView {
  operationId: string;
  path: string;
  /** Whether the operation keeps a replay log (`x-sse-replay`). */
  replayable: boolean;
  open: number;
  /** Connections whose frames wait for their socket to drain. */
  waiting: number;
  eventsSent: number;
  bytesSent: number;
  eventsPerSecond: number;
  bytesPerSecond: number;
  connections: ConnectionView[];
  topics: TopicView[];
  recentEvents: RecentEvent[];
}

export interface BroadcasterView {
  /** `in-process` for the in-memory broadcaster; `up` or `down` for a shared one (Redis). */
  state: 'in-process' | 'up' | 'down';
  since: number;
  outages: number;
  /** Message of the error that cut it off, while down. */
  error: string | null;
}

export interface InspectorSnapshot {
  at: number;
  broadcaster: BroadcasterView;
  operations: OperationView[];
}

/** Counts of one operation, and the rates measured at the last tick. */
interface OperationRecord {
  eventsSent: number;
  bytesSent: number;
  recent: RecentEvent[];
  measured: { at: number; eventsSent: number; bytesSent: number };
  eventsPerSecond: number;
  bytesPerSecond: number;
}

export class InspectorState {
  private readonly records = new Map<string, OperationRecord>();
  private readonly recentLimit: number;
  private broadcaster: BroadcasterView = { state: 'in-process', since: Date.now(), outages: 0, error: null };
  private stopWatching: (() => void) | undefined;
  /** Called when a connection opens or closes, so that the page can update at once. */
  onChange: () => void = () => {};

  constructor(recentEvents = DEFAULT_RECENT_EVENTS) {
    if (!(Number.isInteger(recentEvents) && recentEvents >= 0)) throw new TypeError(`Option inspector.recentEvents must be a whole number, got ${recentEvents}`);
    this.recentLimit = recentEvents;
  }

  /** The operation's metrics, also counted here: its connection manager reports through them, so delivery is untouched. */
  counting(operationId: string, metrics: OperationMetrics): OperationMetrics {
    const record = this.record(operationId);
    return {
      ...metrics,
      open: {
        inc: () => {
          metrics.open.inc();
          this.onChange();
        },
        dec: () => {
          metrics.open.dec();
          this.onChange();
        },
      },
      eventsSent: {
        inc: (value) => {
          record.eventsSent += value;
          metrics.eventsSent.inc(value);
        },
      },
      bytesSent: {
        inc: (value) => {
          record.bytesSent += value;
          metrics.bytesSent.inc(value);
        },
      },
    };
  }

  /** Keeps the last broadcasts of each operation and follows the broadcaster's outages. */
  watch(broadcaster: Broadcaster): () => void {
    const unsubscribe = broadcaster.subscribe((message) => {
      this.remember(message);
      return 0;
    });
    if (broadcaster.watch) this.broadcaster = { ...this.broadcaster, state: 'up' };
    const unwatch = broadcaster.watch?.((status) => this.broadcasterChanged(status));
    this.stopWatching = () => {
      unsubscribe();
      unwatch?.();
    };
    return this.stopWatching;
  }

  /** Measures the event and byte rates since the last tick. */
  tick(now = Date.now()): void {
    for (const record of this.records.values()) {
      const { measured } = record;
      const seconds = (now - measured.at) / 1000;
      if (seconds <= 0) continue;
      record.eventsPerSecond = (record.eventsSent - measured.eventsSent) / seconds;
      record.bytesPerSecond = (record.bytesSent - measured.bytesSent) / seconds;
      record.measured = { at: now, eventsSent: record.eventsSent, bytesSent: record.bytesSent };
    }
  }

  snapshot(managers: Iterable<OperationConnectionManager>, replayer: Replayer, now = Date.now()): InspectorSnapshot {
    const operations: OperationView[] = [];
    for (const manager of managers) {
      const record = this.record(manager.operationId);
      const open = manager.list() as SseConnection[];
      const waiting = open.filter((connection) => connection.waitingForDrainSince !== null).length;
      operations.push({
        operationId: manager.operationId,
        path: manager.spec.specPath,
        replayable: manager.spec.replay !== undefined,
        open: open.length,
        waiting,
        eventsSent: record.eventsSent,
        bytesSent: record.bytesSent,
        eventsPerSecond: round(record.eventsPerSecond),
        bytesPerSecond: round(record.bytesPerSecond),
        connections: slowestFirst(open)
          .slice(0, MAX_CONNECTIONS_SHOWN)
          .map((connection) => connectionView(connection, now)),
        topics: topicViews(manager, open, replayer),
        recentEvents: [...record.recent].reverse(),
      });
    }
    return { at: now, broadcaster: this.broadcaster, operations };
  }

  close(): void {
    this.stopWatching?.();
  }

  private record(operationId: string): OperationRecord {
    let record = this.records.get(operationId);
    if (!record) {
      record = { eventsSent: 0, bytesSent: 0, recent: [], measured: { at: Date.now(), eventsSent: 0, bytesSent: 0 }, eventsPerSecond: 0, bytesPerSecond: 0 };
      this.records.set(operationId, record);
    }
    return record;
  }

  private remember(message: BroadcastMessage): void {
    const record = this.records.get(message.operationId);
    if (!record || this.recentLimit === 0) return;
    const { data } = message;
    record.recent.push({
      at: Date.now(),
      event: message.event,
      id: message.id ?? null,
      topic: message.topic,
      size: data.length,
      // A copy, so the preview does not keep the whole payload alive through a sliced string.
      data: data.length > MAX_PREVIEW_CHARS ? copy(data.slice(0, MAX_PREVIEW_CHARS)) : data,
      truncated: data.length > MAX_PREVIEW_CHARS,
    });
    if (record.recent.length > this.recentLimit) record.recent.shift();
  }

  private broadcasterChanged(status: BroadcasterStatus): void {
    if (status.state === this.broadcaster.state) return;
    const now = Date.now();
    this.broadcaster =
      status.state === 'down'
        ? { state: 'down', since: now, outages: this.broadcaster.outages + 1, error: status.error instanceof Error ? status.error.message : status.error === undefined ? null : String(status.error) }
        : { state: 'up', since: now, outages: this.broadcaster.outages, error: null };
    this.onChange();
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function copy(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/** Waiting longest first, then the most bytes buffered, so the capped list keeps the clients in trouble. */
function slowestFirst(connections: SseConnection[]): SseConnection[] {
  const waitingSince = (connection: SseConnection) => connection.waitingForDrainSince ?? Infinity;
  return [...connections].sort((a, b) => waitingSince(a) - waitingSince(b) || b.bufferedBytes - a.bufferedBytes);
}

function connectionView(connection: SseConnection, now: number): ConnectionView {
  const since = connection.waitingForDrainSince;
  return {
    id: connection.id,
    topic: connection.topic,
    params: connection.params,
    identity: connection.identity?.id ?? null,
    metadata: metadataText(connection.metadata),
    connectedAt: connection.connectedAt,
    lastEventId: connection.lastEventId,
    bufferedBytes: connection.bufferedBytes,
    waitingMs: since === null ? null : now - since,
  };
}

function metadataText(metadata: Record<string, unknown>): string {
  let text: string;
  try {
    text = JSON.stringify(metadata) ?? '';
  } catch {
    // Cycles and BigInts have no JSON; the page says so rather than failing the snapshot.
    text = '(not JSON)';
  }
  return text.length > MAX_PREVIEW_CHARS ? `${text.slice(0, MAX_PREVIEW_CHARS)}…` : text;
}

function topicViews(manager: OperationConnectionManager, open: SseConnection[], replayer: Replayer): TopicView[] {
  const counts = new Map<string, number>();
  for (const connection of open) counts.set(connection.topic, (counts.get(connection.topic) ?? 0) + 1);
  const views: TopicView[] = [];
  for (const [topic, connections] of counts) {
    if (views.length === MAX_TOPICS_SHOWN) break;
    const replay = manager.spec.replay && replayer.retained ? replayer.retained({ operationId: manager.operationId, topic }) : null;
    views.push({ topic, connections, replay });
  }
  return views.sort((a, b) => b.connections - a.connections);
}
