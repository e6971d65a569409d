/**
 * Replay after reconnect. A replay id is `<epoch>-<n>`: the epoch names the topic's history (made
 * afresh whenever a topic's log is created, so a log lost to a restart or a flush is never taken
 * for its successor) and `n` the event's place in it, from 1, growing by one, so a client can
 * tell a gap from a quiet channel.
 */
import { randomBytes } from 'node:crypto';
import type { Missed, ReplayableEvent, Replayer, ReplayKey, ReplayLimits, ReplayPosition, RetainedLog, StoredEvent } from './ports.js';

const REPLAY_ID = /^([0-9a-z]{1,16})-([1-9][0-9]{0,15})$/;

export function replayId(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

/** The position of a replay id; `null` for any other id (an explicit one, or one of an older format). */
export function parseReplayId(id: string): ReplayPosition | null {
  const match = REPLAY_ID.exec(id);
  return match ? { epoch: match[1]!, seq: Number(match[2]) } : null;
}

/** A new epoch: 8 base-36 characters, 41 random bits, so two logs of one topic never share one in practice. */
export function newEpoch(): string {
  return (randomBytes(6).readUIntBE(0, 6) % 36 ** 8).toString(36).padStart(8, '0');
}

/**
 * Picks what a client coming back with `lastEventId` missed, given its topic's current history
 * (`null` when the topic holds none), the last place issued in it, and the events of it still
 * held, oldest first.
 */
export function missedSince(lastEventId: string, epoch: string | null, lastSeq: number, held: StoredEvent[]): Missed {
  const position = parseReplayId(lastEventId);
  if (epoch === null) return { reset: true, events: [] };
  if (!position || position.epoch !== epoch) return { reset: true, events: held };
  // Past the last place issued: the store lost events the client saw (a failover to a replica that lagged).
  if (position.seq > lastSeq) return { reset: true, events: [] };
  const seqOf = (event: StoredEvent) => parseReplayId(event.id)!.seq;
  const firstHeld = held.length > 0 ? seqOf(held[0]!) : lastSeq + 1;
  return { reset: position.seq < firstHeld - 1, events: held.filter((event) => seqOf(event) > position.seq) };
}

interface TopicLog {
  epoch: string;
  lastSeq: number;
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

const DEFAULT_MAX_RETAINED_BYTES = 64 * 1024 * 1024;
const DEFAULT_SWEEP_MS = 10_000;
/** Map entries, the log object and its array, measured at about 200 bytes per topic on Node 20. */
const TOPIC_OVERHEAD_BYTES = 200;
/** The stored event object and its time, about 100 bytes besides its strings. */
const EVENT_OVERHEAD_BYTES = 100;

/**
 * Keeps, per topic, at most `maxEvents` events younger than `ttlMs`, in this process's memory.
 * A topic idle past its TTL is forgotten on the next sweep (log and history), and past
 * `maxRetainedBytes` the topics appended to longest ago go first. A forgotten topic appended to
 * again, or any topic after a process restart, starts a new history: a client holding an id of the
 * old one gets `sse-reset`, then the new history's events.
 */
export class MemoryReplayer implements Replayer {
  /** Ordered by last append, least recent first. */
  private readonly logs = new Map<string, TopicLog>();
  private readonly now: () => number;
  private readonly maxRetainedBytes: number;
  private readonly sweepMs: number;
  private retainedBytes = 0;
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
    else log = { epoch: newEpoch(), lastSeq: 0, limits, events: [], bytes: TOPIC_OVERHEAD_BYTES + name.length };
    this.logs.set(name, log);
    this.retainedBytes -= log.bytes;
    log.limits = limits;
    const id = replayId(log.epoch, ++log.lastSeq);
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

  since(key: ReplayKey, lastEventId: string): Missed {
    const log = this.logs.get(logName(key));
    if (!log) return missedSince(lastEventId, null, 0, []);
    this.retainedBytes -= log.bytes;
    evict(log, this.now());
    this.retainedBytes += log.bytes;
    const held = log.events.map(({ id, event, data }) => ({ id, event, data }));
    return missedSince(lastEventId, log.epoch, log.lastSeq, held);
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
