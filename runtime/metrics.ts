/**
 * Prometheus metrics (prom-client). One labelled child per operation, looked up once,
 * so the delivery path only adds numbers.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { BroadcasterStatus } from './ports.js';

export interface OperationMetrics {
  open: { inc(): void; dec(): void };
  eventsSent: { inc(value: number): void };
  bytesSent: { inc(value: number): void };
  eventsDropped: { inc(value: number): void };
  clientsDropped: { inc(): void };
  replayed: { inc(value: number): void };
  replayResets: { inc(): void };
  broadcastsFailed: { inc(): void };
}

export class RuntimeMetrics {
  private readonly open: Gauge<'operation'>;
  private readonly eventsSent: Counter<'operation'>;
  private readonly bytesSent: Counter<'operation'>;
  private readonly eventsDropped: Counter<'operation'>;
  private readonly clientsDropped: Counter<'operation'>;
  private readonly authFailures: Counter<'operation' | 'status'>;
  private readonly replayed: Counter<'operation'>;
  private readonly replayResets: Counter<'operation'>;
  private readonly broadcastsFailed: Counter<'operation'>;
  private readonly broadcasterUp: Gauge;
  private readonly broadcasterOutages: Counter;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.open = new Gauge({ name: 'sse_open_connections', help: 'Open SSE streams', labelNames: ['operation'], registers });
    this.eventsSent = new Counter({ name: 'sse_events_sent_total', help: 'Events written to clients (one per receiver)', labelNames: ['operation'], registers });
    this.bytesSent = new Counter({ name: 'sse_bytes_sent_total', help: 'Event-stream bytes written to clients', labelNames: ['operation'], registers });
    this.eventsDropped = new Counter({ name: 'sse_events_dropped_total', help: 'Queued events dropped for slow clients (drop-oldest policy)', labelNames: ['operation'], registers });
    this.clientsDropped = new Counter({ name: 'sse_slow_clients_disconnected_total', help: 'Slow clients disconnected at their byte cap', labelNames: ['operation'], registers });
    this.authFailures = new Counter({ name: 'sse_auth_failures_total', help: 'Requests refused with 401 or 403', labelNames: ['operation', 'status'], registers });
    this.replayed = new Counter({ name: 'sse_replayed_events_total', help: 'Events re-sent after a reconnect', labelNames: ['operation'], registers });
    this.replayResets = new Counter({ name: 'sse_replay_resets_total', help: 'Reconnects whose Last-Event-ID could not be replayed (sse-reset sent)', labelNames: ['operation'], registers });
    this.broadcastsFailed = new Counter({ name: 'sse_broadcasts_failed_total', help: 'Broadcasts accepted, then lost because the broadcaster failed to send them', labelNames: ['operation'], registers });
    this.broadcasterUp = new Gauge({ name: 'sse_broadcaster_up', help: '1 while the shared broadcaster (Redis) is reachable, 0 during an outage', registers });
    this.broadcasterOutages = new Counter({ name: 'sse_broadcaster_outages_total', help: 'Times the shared broadcaster (Redis) became unreachable', registers });
    this.broadcasterUp.set(1);
  }

  broadcasterStatus(status: BroadcasterStatus): void {
    this.broadcasterUp.set(status.state === 'up' ? 1 : 0);
    if (status.state === 'down') this.broadcasterOutages.inc();
  }

  forOperation(operation: string): OperationMetrics {
    return {
      open: this.open.labels(operation),
      eventsSent: this.eventsSent.labels(operation),
      bytesSent: this.bytesSent.labels(operation),
      eventsDropped: this.eventsDropped.labels(operation),
      clientsDropped: this.clientsDropped.labels(operation),
      replayed: this.replayed.labels(operation),
      replayResets: this.replayResets.labels(operation),
      broadcastsFailed: this.broadcastsFailed.labels(operation),
    };
  }

  authFailed(operation: string, status: number): void {
    this.authFailures.labels(operation, String(status)).inc();
  }
}

/** Metrics that record nothing, for apps without `metrics`. */
const ignore = { inc() {}, dec() {} };
export const NO_METRICS: OperationMetrics = {
  open: ignore,
  eventsSent: ignore,
  bytesSent: ignore,
  eventsDropped: ignore,
  clientsDropped: ignore,
  replayed: ignore,
  replayResets: ignore,
  broadcastsFailed: ignore,
};
