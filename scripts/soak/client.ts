/**
 * One churning soak client: connects, reads for a while, disconnects, pauses, reconnects with
 * `Last-Event-ID`, and so on until stopped; it counts every event id it did not get and every
 * one it got twice.
 */
import { get, type ClientRequest } from 'node:http';
import { createParser } from 'eventsource-parser';

export interface ClientTally {
  sessions: number;
  events: number;
  /** Ids skipped between two consecutive events (across reconnects). */
  lost: number;
  /** Ids received again, or out of order. */
  duplicated: number;
  /** `sse-reset`: the replay window no longer held what the client missed. */
  resets: number;
  /** Connections refused or broken before their time, by what happened (`status 503`, `ECONNRESET`, `ended by server`). */
  failures: Record<string, number>;
}

export interface ChurnTiming {
  /** Shortest and longest time connected, in ms. */
  sessionMs: [number, number];
  /** Shortest and longest pause before reconnecting, in ms. */
  pauseMs: [number, number];
}

const between = ([low, high]: [number, number]) => low + Math.random() * (high - low);

export class ChurningClient {
  readonly tally: ClientTally = { sessions: 0, events: 0, lost: 0, duplicated: 0, resets: 0, failures: {} };
  private lastId: number | null = null;
  private request: ClientRequest | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly port: number,
    private readonly timing: ChurnTiming,
  ) {}

  start(delayMs: number): void {
    this.timer = setTimeout(() => this.connect(), delayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.request?.destroy();
  }

  private connect(): void {
    if (this.stopped) return;
    this.tally.sessions++;
    const headers: Record<string, string> = this.lastId === null ? {} : { 'Last-Event-ID': String(this.lastId) };
    const request = get({ host: '127.0.0.1', port: this.port, path: '/feed', headers, agent: false });
    this.request = request;
    let ended = false;
    const reconnect = (failure: string | null) => {
      if (ended) return;
      ended = true;
      clearTimeout(this.timer);
      request.destroy();
      if (failure !== null && !this.stopped) this.tally.failures[failure] = (this.tally.failures[failure] ?? 0) + 1;
      this.timer = setTimeout(() => this.connect(), between(this.timing.pauseMs));
    };
    request.on('error', (error: NodeJS.ErrnoException) => reconnect(error.code ?? error.message));
    request.on('response', (response) => {
      if (response.statusCode !== 200) return reconnect(`status ${response.statusCode}`);
      const parser = createParser({ onEvent: (event) => this.receive(event.event, event.id) });
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => parser.feed(chunk));
      response.on('end', () => reconnect('ended by server'));
      response.on('error', (error: NodeJS.ErrnoException) => reconnect(error.code ?? error.message));
      this.timer = setTimeout(() => reconnect(null), between(this.timing.sessionMs));
    });
  }

  private receive(event: string | undefined, id: string | undefined): void {
    if (event === 'sse-reset') {
      this.tally.resets++;
      this.lastId = null;
      return;
    }
    const n = Number(id);
    this.tally.events++;
    if (this.lastId !== null) {
      if (n <= this.lastId) this.tally.duplicated++;
      else this.tally.lost += n - this.lastId - 1;
    }
    this.lastId = Math.max(n, this.lastId ?? n);
  }
}
