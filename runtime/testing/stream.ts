/**
 * One stream of a service under test: every arrival (event, invalid event, connection status) in
 * the order it came, and `next(event)` that waits for the next event of a name, failing with a
 * readable message (what arrived instead, the schema error, what the server logged).
 */
import type { ConnectionStatus, InvalidEvent, ReceivedEvent, ResetInfo, Subscription } from '../client/types.js';
import { describeArrival, type Arrival } from './describe.js';

/** Opens the same operation again, with a `Last-Event-ID`, on the same or another instance. */
export type StreamOpener<E extends object> = (lastEventId: string | null, instance: number | undefined) => Promise<TestStream<E>>;

export interface WaitOptions {
  /** How long to wait before failing. Default: the service's `timeoutMs`. */
  timeoutMs?: number;
}

export interface ReconnectOptions {
  /** Sent as `Last-Event-ID`. Default: the id of the last event this stream received. */
  lastEventId?: string | null;
  /** Index of the instance to reconnect to (`instances[n]`). Default: the one this stream used. */
  instance?: number;
}

interface Waiter {
  check(): boolean;
}

export class TestStream<E extends object> {
  /** Everything that arrived, in order; `next` moves a cursor over it. */
  private readonly arrivals: Arrival[] = [];
  private cursor = 0;
  private readonly waiters = new Set<Waiter>();

  constructor(
    /** `operationId`, used in failure messages. */
    readonly name: string,
    private readonly subscription: Subscription<E>,
    eventKeys: readonly string[],
    private readonly open: StreamOpener<E>,
    private readonly serverLog: () => readonly string[],
    private readonly timeoutMs: number,
  ) {
    for (const key of eventKeys) {
      subscription.on(key as keyof E & string, (data, { id }) => this.arrive({ kind: 'event', event: { event: key, data, id } }));
    }
    subscription.onInvalid((invalid: InvalidEvent) => this.arrive({ kind: 'invalid', invalid }));
    subscription.onReset((reset: ResetInfo) => this.arrive({ kind: 'reset', reset }));
    subscription.onStatus((status: ConnectionStatus) => {
      if (status.type !== 'open') this.arrive({ kind: 'status', status });
    });
  }

  /** Events received so far (valid ones), oldest first. */
  get received(): Array<ReceivedEvent<E>> {
    return this.arrivals.flatMap((arrival) => (arrival.kind === 'event' ? [arrival.event as unknown as ReceivedEvent<E>] : []));
  }

  /** Id of the last event received with one; what `reconnect()` sends as `Last-Event-ID`. */
  get lastEventId(): string | null {
    return this.subscription.lastEventId;
  }

  /**
   * The payload of the next `event`. Events of other names on the way are skipped (and listed
   * if it fails). Fails at once on an event whose payload does not match its schema, on a
   * stream the server closed, or after `timeoutMs` with what arrived meanwhile.
   */
  next<K extends keyof E & string>(event: K, options?: WaitOptions): Promise<E[K]>;
  /** The next event of any name. */
  next(event?: undefined, options?: WaitOptions): Promise<ReceivedEvent<E>>;
  async next(event?: string, options: WaitOptions = {}): Promise<unknown> {
    const wanted = event === undefined ? 'the next event' : `event "${event}"`;
    const found = await this.waitFor(wanted, options, (arrival) => arrival.kind === 'event' && (event === undefined || arrival.event.event === event));
    const received = found.kind === 'event' ? found.event : undefined;
    return event === undefined ? received : received?.data;
  }

  /** Fails if an event (of this name, or any) arrives within `forMs`; invalid events fail too. */
  async expectNoEvent(event: (keyof E & string) | undefined, forMs: number): Promise<void> {
    const unwanted = event === undefined ? 'no event' : `no event "${event}"`;
    const start = this.cursor;
    await new Promise((resolve) => setTimeout(resolve, forMs));
    const arrived = this.arrivals.slice(start);
    const offending = arrived.find((arrival) => arrival.kind === 'invalid' || (arrival.kind === 'event' && (event === undefined || arrival.event.event === event)));
    this.cursor = this.arrivals.length;
    if (offending) throw new Error(this.failure(`expected ${unwanted} within ${forMs} ms, but got ${describeArrival(offending)}`, arrived.filter((arrival) => arrival !== offending)));
  }

  /** Closes this stream and opens the same request again, resuming after its last event id. */
  reconnect(options: ReconnectOptions = {}): Promise<TestStream<E>> {
    const lastEventId = options.lastEventId === undefined ? this.lastEventId : options.lastEventId;
    this.close();
    return this.open(lastEventId, options.instance);
  }

  close(): void {
    this.subscription.close();
  }

  private arrive(arrival: Arrival): void {
    this.arrivals.push(arrival);
    for (const waiter of this.waiters) if (waiter.check()) this.waiters.delete(waiter);
  }

  /** Moves the cursor to the first arrival `matches` accepts; rejects on what makes waiting pointless. */
  private waitFor(wanted: string, options: WaitOptions, matches: (arrival: Arrival) => boolean): Promise<Arrival> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const start = this.cursor;
    return new Promise((resolve, reject) => {
      /** Fails with the arrivals since the call, but the one the message names. */
      const fail = (message: string, named?: Arrival) => {
        clearTimeout(timer);
        reject(new Error(this.failure(message, this.arrivals.slice(start, this.cursor).filter((arrival) => arrival !== named))));
      };
      const waiter: Waiter = {
        check: () => {
          while (this.cursor < this.arrivals.length) {
            const arrival = this.arrivals[this.cursor++]!;
            if (matches(arrival)) {
              clearTimeout(timer);
              resolve(arrival);
              return true;
            }
            if (arrival.kind === 'invalid') {
              fail(`waiting for ${wanted}, got ${describeArrival(arrival)}`, arrival);
              return true;
            }
            if (arrival.kind === 'status' && arrival.status.type === 'closed') {
              fail(`waiting for ${wanted}, the stream closed (${arrival.status.reason})`, arrival);
              return true;
            }
          }
          return false;
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        fail(`no ${wanted} within ${timeoutMs} ms`);
      }, timeoutMs);
      if (!waiter.check()) this.waiters.add(waiter);
    });
  }

  private failure(message: string, seen: readonly Arrival[]): string {
    const lines = [`${this.name}: ${message}`];
    lines.push(seen.length === 0 ? '  nothing else arrived meanwhile' : '  arrived meanwhile:', ...seen.map((arrival) => `    ${describeArrival(arrival)}`));
    const log = this.serverLog();
    if (log.length > 0) lines.push('  the server logged:', ...log.map((line) => `    ${line}`));
    return lines.join('\n');
  }
}
