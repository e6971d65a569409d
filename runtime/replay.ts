/**
 * Replay after reconnect. Ids are decimal integers growing by one per (operation, topic),
 * so a client can tell a gap from a quiet channel.
 */
import type { ReplayableEvent, Replayer, ReplayKey, ReplayLimits, RetainedLog, StoredEvent } from './ports.js';

interface TopicLog {
  lastId: number;
  limits: ReplayLimits;
  /** Retained events, oldest first, with the time each was stored and its estimated size. */
  events: Array<StoredEvent & { at: number; bytes: number }>;
  /** Estimated bytes of the events plus the topic itself. */
  bytes: number;
}

export interface MemoryReplayerOptions {
  now?: () => number;
  /** Estimated bytes of replay kept in this process; past it the least recently used topics are forgotten. Default 64 MiB. */
  maxRetainedBytes?: number;
  /** How often topics idle past their TTL are forgotten, in ms. Default 10 000. */
  sweepMs?: number;
}

const DECIMAL_ID = /^(0|[1-9][0-9]{0,15})$/;
const DEFAULT_MAX_RETAINED_BYTES = 64 * 1024 * 1024;
const DEFAULT_SWEEP_MS = 10_000;
/** Map entries, the log object and its array, measured at about 200 bytes per topic on Node 20. */
const TOPIC_OVERHEAD_BYTES = 200;
/** The stored event object and its time, about 100 bytes besides its strings. */
const EVENT_OVERHEAD_BYTES = 100;

/**
 * The first id of a topic: `1`, or, once topics have been forgotten, two past the highest id they
 * issued. A client still holding an id from a forgotten topic then never finds it continued by
 * the topic's new ids (they start past `its id + 1`), so it gets `sse-reset`, never a silent gap.
 */
export function firstTopicId(highestForgottenId: number): number {
  return highestForgottenId === 0 ? 1 : highestForgottenId + 2;
}

/**
 * Keeps, per topic, at most `maxEvents` events younger than `ttlMs`, in this process's memory.
 * A topic idle past its TTL is forgotten on the next sweep (log and counter), and past
 * `maxRetainedBytes` the topics appended to longest ago go first.
 */
export class MemoryReplayer implements Replayer {
  /** Ordered by last append, least recent first. */
  private readonly logs = new Map<string, TopicLog>();
  private readonly now: () => number;
  private readonly maxRetainedBytes: number;
  private readonly sweepMs: number;
  private retainedBytes = 0;
  private highestForgottenId = 0;
  /** Runs only while some topic is held, and never keeps the process alive. */
  private sweeper: NodeJS.Timeout | undefined;

  constructor(options: MemoryReplayerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxRetainedBytes = options.maxRetainedBytes ?? DEFAULT_MAX_RETAINED_BYTES;
    this.sweepMs = options.sweepMs ?? DEFAULT_SWEEP_MS;
  }

  /** Topics held (each with its log and id counter). */
  get topics(): number {
    return this.logs.size;
  }

  append(key: ReplayKey, event: ReplayableEvent, limits: ReplayLimits): string {
    const name = logName(key);
    let log = this.logs.get(name);
    if (log) this.logs.delete(name);
    else log = { lastId: firstTopicId(this.highestForgottenId) - 1, limits, events: [], bytes: TOPIC_OVERHEAD_BYTES + name.length };
    this.logs.set(name, log);
    this.retainedBytes -= log.bytes;
    log.limits = limits;
    const id = String(++log.lastId);
    const at = this.now();
    const bytes = EVENT_OVERHEAD_BYTES + id.length + (event.event?.length ?? 0) + event.data.length;
    log.events.push({ id, event: event.event, data: event.data, at, bytes });
    log.bytes += bytes;
    evict(log, at);
    this.retainedBytes += log.bytes;
    this.sweeper ??= setInterval(() => this.sweep(), this.sweepMs).unref();
    if (this.retainedBytes > this.maxRetainedBytes) this.forgetLeastRecent(name);
    return id;
  }

  retained(key: ReplayKey): RetainedLog {
    const log = this.logs.get(logName(key));
    return log ? { events: log.events.length, bytes: log.bytes } : { events: 0, bytes: 0 };
  }

  since(key: ReplayKey, lastEventId: string): StoredEvent[] | null {
    if (!DECIMAL_ID.test(lastEventId)) return null;
    const last = Number(lastEventId);
    const log = this.logs.get(logName(key));
    if (log) {
      this.retainedBytes -= log.bytes;
      evict(log, this.now());
      this.retainedBytes += log.bytes;
    }
    const lastId = log?.lastId ?? 0;
    if (last > lastId) return null;
    if (!log || last === lastId) return [];
    const firstHeld = log.events.length > 0 ? Number(log.events[0]!.id) : lastId + 1;
    if (last < firstHeld - 1) return null;
    return log.events.slice(last - firstHeld + 1).map(({ id, event, data }) => ({ id, event, data }));
  }

  /** Forgets every topic whose last event is older than its TTL. */
  private sweep(): void {
    const now = this.now();
    for (const [name, log] of this.logs) {
      if (log.events.length === 0 || log.events.at(-1)!.at <= now - log.limits.ttlMs) this.forget(name, log);
    }
    if (this.logs.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Forgets topics, least recently appended first, until the retained bytes fit (never `keep`). */
  private forgetLeastRecent(keep: string): void {
    for (const [name, log] of this.logs) {
      if (this.retainedBytes <= this.maxRetainedBytes) return;
      if (name !== keep) this.forget(name, log);
    }
  }

  private forget(name: string, log: TopicLog): void {
    this.logs.delete(name);
    this.retainedBytes -= log.bytes;
    this.highestForgottenId = Math.max(this.highestForgottenId, log.lastId);
  }
}

/** Drops events beyond `maxEvents` and those older than `ttlMs`. */
function evict(log: TopicLog, now: number): void {
  const expired = now - log.limits.ttlMs;
  let drop = Math.max(0, log.events.length - log.limits.maxEvents);
  while (drop < log.events.length && log.events[drop]!.at <= expired) drop++;
  if (drop === 0) return;
  for (const event of log.events.splice(0, drop)) log.bytes -= event.bytes;
}

function logName(key: ReplayKey): string {
  return `${key.operationId}\u0000${key.topic}`;
}
