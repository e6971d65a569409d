/**
 * Replay after reconnect. A replay id is `<epoch>-<n>` or `<epoch>-<n>.<k>`: the epoch names the
 * topic's history (made afresh whenever a topic's log is created, so a log lost to a restart or
 * a flush is never taken for its successor). A broadcast to the whole topic takes the next place
 * `n`, from 1, growing by one, so a client can tell a gap from a quiet channel. A broadcast to
 * part of the topic's streams (an identity, metadata values) takes no place: it is the `k`th
 * addressed event since place `n` (`n` is 0 before the first place), and a client outside its
 * audience never sees it, so skipped `k`s are no gap.
 */
import { randomBytes } from 'node:crypto';
import { inAudience } from './audience.js';
import type { AppendedEvent, AudienceMember, BroadcastAudience, Missed, Replayer, ReplayKey, ReplayLimits, ReplayPosition, RetainedLog, StoredEvent } from './ports.js';

const REPLAY_ID = /^([0-9a-z]{1,16})-(0|[1-9][0-9]{0,15})(?:\.([1-9][0-9]{0,15}))?$/;

export function replayId(epoch: string, seq: number, sub = 0): string {
  return sub === 0 ? `${epoch}-${seq}` : `${epoch}-${seq}.${sub}`;
}

/** The position of a replay id; `null` for any other id (an explicit one, or one of an older format). */
export function parseReplayId(id: string): ReplayPosition | null {
  const match = REPLAY_ID.exec(id);
  if (!match) return null;
  const seq = Number(match[2]);
  const sub = match[3] === undefined ? 0 : Number(match[3]);
  // Place 0 holds no event: only addressed events come before the first place.
  return seq === 0 && sub === 0 ? null : { epoch: match[1]!, seq, sub };
}

/** A position within one history, its epoch known from elsewhere: place `seq` and addressed rank `sub`. */
export type LogPosition = Omit<ReplayPosition, 'epoch'>;

/** Before every event: the position of a log that holds none. */
export const LOG_START: Readonly<LogPosition> = { seq: 0, sub: 0 };

/** Orders two positions of one history: by place, then by addressed rank. */
export function comparePositions(a: LogPosition, b: LogPosition): number {
  return a.seq - b.seq || a.sub - b.sub;
}

/** A new epoch: 8 base-36 characters, 41 random bits, so two logs of one topic never share one in practice. */
export function newEpoch(): string {
  return (randomBytes(6).readUIntBE(0, 6) % 36 ** 8).toString(36).padStart(8, '0');
}

/** An event of a topic's log as a store holds it: its position and, if addressed, its audience. */
export interface LoggedEvent extends StoredEvent {
  seq: number;
  sub: number;
  audience?: BroadcastAudience;
  /**
   * On a broadcast to the whole topic: how many addressed events were stored at the place before
   * it (absent: none). It tells whether a client at the last of them missed nothing when the log
   * starts here.
   */
  addressedBefore?: number;
}

/**
 * Picks what a client coming back with `lastEventId` missed, given its topic's current history
 * (`null` when the topic holds none), the last position issued in it, and the events of it still
 * held, oldest first. Only the addressed events `reader` is in the audience of are sent. When the
 * event right after the client's position is no longer held, some event may be gone: `reset`,
 * even if the gone ones were addressed to others, since their audience went with them.
 */
export function missedSince(
  lastEventId: string,
  epoch: string | null,
  newest: LogPosition,
  held: LoggedEvent[],
  reader?: AudienceMember,
): Missed {
  if (epoch === null) return { reset: true, events: [] };
  const readable = (events: LoggedEvent[]) => readableBy(reader, events);
  const position = parseReplayId(lastEventId);
  if (!position || position.epoch !== epoch) return { reset: true, events: readable(held) };
  // Past the last position issued: the store lost events the client saw (a failover to a replica that lagged).
  if (comparePositions(position, newest) > 0) return { reset: true, events: [] };
  const after = held.filter((event) => comparePositions(event, position) > 0);
  return { reset: !heldFrom(position, held[0], newest), events: readable(after) };
}

/** The events `reader` may be replayed: those for the whole topic, and the addressed ones it is in the audience of (none without a reader). */
export function readableBy(reader: AudienceMember | undefined, events: LoggedEvent[]): StoredEvent[] {
  return events.filter((event) => !event.audience || (reader !== undefined && inAudience(reader, event.audience))).map(({ id, event, data }) => ({ id, event, data }));
}

/** True when every event after `position` is still held: the oldest held is at or before it, or right after it. */
function heldFrom(position: ReplayPosition, oldest: LoggedEvent | undefined, newest: LogPosition): boolean {
  if (!oldest) return comparePositions(position, newest) === 0;
  if (comparePositions(oldest, position) <= 0) return true;
  if (oldest.sub > 0) return oldest.seq === position.seq && oldest.sub === position.sub + 1;
  return oldest.seq === position.seq + 1 && (oldest.addressedBefore ?? 0) === position.sub;
}

interface TopicLog {
  epoch: string;
  /** The last position issued. */
  lastSeq: number;
  lastSub: number;
  limits: ReplayLimits;
  /** Retained events, oldest first, with the time each was stored and its estimated size. */
  events: Array<LoggedEvent & { at: number; bytes: number }>;
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
  readonly keepsAudience = true;
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

  append(key: ReplayKey, event: AppendedEvent, limits: ReplayLimits): string {
    const name = logName(key);
    let log = this.logs.get(name);
    if (log) this.logs.delete(name);
    else log = { epoch: newEpoch(), lastSeq: 0, lastSub: 0, limits, events: [], bytes: TOPIC_OVERHEAD_BYTES + name.length };
    this.logs.set(name, log);
    this.retainedBytes -= log.bytes;
    log.limits = limits;
    const at = this.now();
    const stored: LoggedEvent & { at: number; bytes: number } = { id: '', seq: log.lastSeq, sub: 0, event: event.event, data: event.data, at, bytes: 0 };
    if (event.audience) {
      stored.sub = ++log.lastSub;
      stored.audience = event.audience;
    } else {
      stored.seq = ++log.lastSeq;
      if (log.lastSub > 0) stored.addressedBefore = log.lastSub;
      log.lastSub = 0;
    }
    const id = (stored.id = replayId(log.epoch, stored.seq, stored.sub));
    // An audience is a few short strings; its JSON length is close enough.
    stored.bytes = EVENT_OVERHEAD_BYTES + id.length + (event.event?.length ?? 0) + event.data.length + (event.audience ? JSON.stringify(event.audience).length : 0);
    log.events.push(stored);
    log.bytes += stored.bytes;
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

  since(key: ReplayKey, lastEventId: string, reader?: AudienceMember): Missed {
    const log = this.logs.get(logName(key));
    if (!log) return missedSince(lastEventId, null, LOG_START, []);
    this.retainedBytes -= log.bytes;
    evict(log, this.now());
    this.retainedBytes += log.bytes;
    return missedSince(lastEventId, log.epoch, { seq: log.lastSeq, sub: log.lastSub }, log.events, reader);
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
