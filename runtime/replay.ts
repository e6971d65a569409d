/**
 * Replay after reconnect. Ids are decimal integers growing by one per (operation, topic),
 * so a client can tell a gap from a quiet channel.
 */

export interface ReplayKey {
  operationId: string;
  /** Path parameter values in path order, URI-encoded and joined by `/`; `''` without parameters. */
  topic: string;
}

export interface ReplayLimits {
  maxEvents: number;
  ttlMs: number;
}

/** An event as the wire carries it: SSE event name (null for data-only) and serialized data. */
export interface ReplayableEvent {
  event: string | null;
  data: string;
}

export interface StoredEvent extends ReplayableEvent {
  id: string;
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
  append(key: ReplayKey, event: ReplayableEvent, limits: ReplayLimits): string | Promise<string>;
  /**
   * Events stored after `lastEventId`, oldest first (empty when nothing was missed), or `null`
   * when the events after it are no longer (or never were) held: the client must refetch.
   */
  since(key: ReplayKey, lastEventId: string): StoredEvent[] | null | Promise<StoredEvent[] | null>;
}

interface TopicLog {
  lastId: number;
  limits: ReplayLimits;
  /** Retained events, oldest first, with the time each was stored. */
  events: Array<StoredEvent & { at: number }>;
}

const DECIMAL_ID = /^(0|[1-9][0-9]{0,15})$/;

/** Keeps, per topic, at most `maxEvents` events younger than `ttlMs`, in this process's memory. */
export class MemoryReplayer implements Replayer {
  private readonly logs = new Map<string, TopicLog>();
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  append(key: ReplayKey, event: ReplayableEvent, limits: ReplayLimits): string {
    const name = logName(key);
    let log = this.logs.get(name);
    if (!log) {
      log = { lastId: 0, limits, events: [] };
      this.logs.set(name, log);
    }
    log.limits = limits;
    const id = String(++log.lastId);
    const at = this.now();
    log.events.push({ id, event: event.event, data: event.data, at });
    evict(log, at);
    return id;
  }

  since(key: ReplayKey, lastEventId: string): StoredEvent[] | null {
    if (!DECIMAL_ID.test(lastEventId)) return null;
    const last = Number(lastEventId);
    const log = this.logs.get(logName(key));
    if (log) evict(log, this.now());
    const lastId = log?.lastId ?? 0;
    if (last > lastId) return null;
    if (!log || last === lastId) return [];
    const firstHeld = log.events.length > 0 ? Number(log.events[0]!.id) : lastId + 1;
    if (last < firstHeld - 1) return null;
    return log.events.slice(last - firstHeld + 1).map(({ id, event, data }) => ({ id, event, data }));
  }
}

/** Drops events beyond `maxEvents` and those older than `ttlMs`. */
function evict(log: TopicLog, now: number): void {
  const expired = now - log.limits.ttlMs;
  let drop = Math.max(0, log.events.length - log.limits.maxEvents);
  while (drop < log.events.length && log.events[drop]!.at <= expired) drop++;
  if (drop > 0) log.events.splice(0, drop);
}

function logName(key: ReplayKey): string {
  return `${key.operationId}\u0000${key.topic}`;
}
