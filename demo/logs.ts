/**
 * A log source: the latest `capacity` entries plus a live feed of new ones.
 * `LogFilter.level` is a minimum severity (`warn` matches `warn` and `error`).
 */
import type { LogEntry, LogLevel, LogQuery } from '../generated/types.js';

/** Least to most severe. */
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export type LogFilter = Pick<LogQuery, 'level' | 'service'>;

type LogListener = (entry: LogEntry) => void;

export function matches(entry: LogEntry, filter: LogFilter): boolean {
  if (filter.service !== undefined && entry.service !== filter.service) return false;
  return filter.level === undefined || LOG_LEVELS.indexOf(entry.level) >= LOG_LEVELS.indexOf(filter.level);
}

export class LogSource {
  private readonly entries: LogEntry[] = [];
  private readonly listeners = new Set<LogListener>();

  constructor(private readonly capacity = 1000) {}

  write(level: LogLevel, service: string, message: string): void {
    const entry: LogEntry = { timestamp: new Date().toISOString(), level, service, message };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
    for (const listener of this.listeners) listener(entry);
  }

  /** The last `limit` entries matching `filter`, oldest first. */
  recent(filter: LogFilter, limit: number): LogEntry[] {
    const found: LogEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && found.length < limit; i--) {
      const entry = this.entries[i]!;
      if (matches(entry, filter)) found.push(entry);
    }
    return found.reverse();
  }

  /** Calls `listener` with every entry written from now on; returns the unsubscribe function. */
  follow(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const SAMPLE_LINES: ReadonlyArray<[LogLevel, string, string]> = [
  ['info', 'billing', 'Invoice issued'],
  ['debug', 'billing', 'Exchange rates refreshed from cache'],
  ['warn', 'billing', 'Payment provider answered slowly'],
  ['info', 'search', 'Index segment merged'],
  ['debug', 'search', 'Query plan cached'],
  ['error', 'search', 'Shard timed out, serving partial results'],
  ['info', 'auth', 'Session refreshed'],
  ['warn', 'auth', 'Repeated failed sign-in attempts'],
];

/** Writes a plausible background entry to `source` every `intervalMs`; returns the stop function. */
export function simulateBackgroundLogs(source: LogSource, intervalMs = 1000): () => void {
  const timer = setInterval(() => {
    const [level, service, message] = SAMPLE_LINES[Math.floor(Math.random() * SAMPLE_LINES.length)]!;
    source.write(level, service, message);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
