/**
 * The state behind one app or router: a connection manager per stream operation, the shared heartbeat
 * timers, replay and broadcast services, global limits and shutdown.
 */
import { MemoryBroadcaster } from './broadcaster.js';
import type { SseConnection } from './connection.js';
import { publish, runtimeChannels } from './diagnostics.js';
import { HeartbeatScheduler } from './heartbeat.js';
import { InspectorFeed, inspectorSettings } from './inspector.js';
import { retryAfterSeconds, OperationConnectionManager, type ConnectionManagerServices } from './connection-manager.js';
import { NO_METRICS, type RuntimeMetrics } from './metrics.js';
import type { AppOptions } from './options.js';
import type { Broadcaster, BroadcasterStatus } from './ports.js';
import { Outbox } from './outbox.js';
import { HttpProblem, withinTime } from './problem.js';
import { redisServices, type RedisServices } from './redis/services.js';
import { MemoryReplayer } from './replay.js';
import type { CloseOptions, Identity, ServiceSpec, SseRuntime } from './types.js';
import { frameEvent } from './wire.js';

const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** A reader that takes nothing for this long is gone or hostile; a slow but live one drains far sooner. */
const DEFAULT_SLOW_CLIENT_TIMEOUT_MS = 30_000;
const DEFAULT_CLOSE_DEADLINE_MS = 5_000;
/** Long enough to gather a busy stream's events into one write, too short for a reader to notice. */
const DEFAULT_COALESCE_MS = 2;
/** Reconnection delay suggested to clients at shutdown, unless the endpoint sets its own retry. */
const SHUTDOWN_RETRY_MS = 1_000;

export class Runtime<C> implements SseRuntime<C> {
  readonly managers = new Map<string, OperationConnectionManager>();
  readonly connections: C;
  /** Whether event payloads and receive replies are checked against their schemas. */
  readonly validateOutgoing: boolean;
  private readonly heartbeat = new HeartbeatScheduler();
  private readonly unsubscribe: () => void;
  private readonly broadcaster: Broadcaster;
  /** Until the broadcaster is ready. */
  private starting: Promise<unknown> | undefined;
  /** Set when the app runs on Redis through `options.redis`: the runtime owns these. */
  private readonly redis: RedisServices | null;
  private openStreams = 0;
  private closing = false;
  /** Set when `options.inspector` enables the connection inspector. */
  readonly inspector: InspectorFeed | null = null;

  constructor(
    service: ServiceSpec,
    private readonly options: AppOptions,
    readonly metrics: RuntimeMetrics | null,
  ) {
    assertPositive('heartbeatMs', options.heartbeatMs);
    assertPositive('maxBufferedBytes', options.maxBufferedBytes);
    assertPositive('maxConnections', options.maxConnections);
    assertPositive('slowClientTimeoutMs', options.slowClientTimeoutMs);
    assertNonNegative('coalesceMs', options.coalesceMs);
    this.redis = options.redis ? redisServices(options.redis) : null;
    const services: ConnectionManagerServices = {
      replayer: options.replayer ?? this.redis?.replayer ?? new MemoryReplayer(),
      logger: options.logger ?? console,
      broadcaster: options.broadcaster ?? this.redis?.broadcaster ?? new MemoryBroadcaster(),
      slots: this.redis?.slots,
      heartbeat: this.heartbeat,
      outbox: new Outbox(options.coalesceMs ?? DEFAULT_COALESCE_MS),
      released: () => this.openStreams--,
    };
    this.validateOutgoing = options.validateOutgoing ?? true;
    if (options.inspector) {
      this.inspector = new InspectorFeed(inspectorSettings(options.inspector), () => this.managers.values(), services.replayer, services.broadcaster);
    }
    // Keyed by operationId, which may be `__proto__` or `constructor`.
    const connections: Record<string, OperationConnectionManager> = Object.create(null);
    for (const spec of service.endpoints) {
      if (spec.kind !== 'stream') continue;
      const operationMetrics = metrics?.forOperation(spec.operationId) ?? NO_METRICS;
      const manager = new OperationConnectionManager(
        spec,
        {
          maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
          slowClientPolicy: options.slowClientPolicy ?? 'disconnect',
          slowClientTimeoutMs: options.slowClientTimeoutMs ?? DEFAULT_SLOW_CLIENT_TIMEOUT_MS,
          validateOutgoing: this.validateOutgoing,
          heartbeatMs: options.heartbeatMs ?? spec.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
          metrics: this.inspector?.state.counting(spec.operationId, operationMetrics) ?? operationMetrics,
        },
        services,
      );
      this.managers.set(spec.operationId, manager);
      connections[spec.operationId] = manager;
    }
    this.connections = connections as C;
    this.broadcaster = services.broadcaster;
    this.starting = services.broadcaster.ready?.then(() => (this.starting = undefined));
    const unsubscribe = services.broadcaster.subscribe((message) => this.managers.get(message.operationId)?.deliver(message) ?? 0);
    const unwatch = services.broadcaster.watch?.((status) => this.broadcasterChanged(status));
    const unwatchFailures = services.broadcaster.watchFailures?.((message, error) => this.managers.get(message.operationId)?.failed(error));
    this.unsubscribe = () => {
      unsubscribe();
      unwatch?.();
      unwatchFailures?.();
    };
  }

  /** An outage shows in /metrics and on the diagnostics channels; once over, streams catch up. */
  private broadcasterChanged(status: BroadcasterStatus): void {
    this.metrics?.broadcasterStatus(status);
    if (status.state === 'down') {
      this.options.logger?.warn('broadcaster unreachable; local streams go on, broadcasts wait', { error: status.error });
      publish(runtimeChannels.broadcasterDown, { error: status.error });
      for (const manager of this.managers.values()) manager.holdLive();
      return;
    }
    publish(runtimeChannels.broadcasterUp, {});
    for (const manager of this.managers.values()) manager.catchUp();
  }

  /** Open streams across every operation. */
  get size(): number {
    return this.openStreams;
  }

  /** Running heartbeat timers (one per interval in use). */
  get timers(): number {
    return this.heartbeat.timers;
  }

  /**
   * Throws 503 (shutting down, or the global cap reached) or 429 (per-identity cap). Answers with
   * a promise while the broadcaster starts, and with cluster-wide limits (of the identity's slot,
   * see `OperationConnectionManager.reserveIdentitySlot`).
   */
  reserveStream(manager: OperationConnectionManager, identity: Identity | null): Promise<string | undefined> | undefined {
    if (this.starting) return untilStarted(this.starting).then(() => this.reserveStreamNow(manager, identity));
    return this.reserveStreamNow(manager, identity);
  }

  private reserveStreamNow(manager: OperationConnectionManager, identity: Identity | null): Promise<string> | undefined {
    const retryAfter = { 'Retry-After': String(retryAfterSeconds(manager.spec)) };
    if (this.closing) throw new HttpProblem(503, 'Server is shutting down', retryAfter);
    const cap = this.options.maxConnections;
    if (cap !== undefined && this.openStreams >= cap) throw new HttpProblem(503, 'Too many open streams', retryAfter);
    return manager.reserveIdentitySlot(identity);
  }

  register(manager: OperationConnectionManager, connection: SseConnection, slot?: string): void {
    this.openStreams++;
    manager.register(connection, slot);
  }

  async close(options: CloseOptions = {}): Promise<void> {
    this.closing = true;
    this.unsubscribe();
    this.inspector?.close();
    const open = [...this.managers.values()].flatMap((manager) => manager.list() as SseConnection[]);
    const unfinished = new Set(open);
    const finished = open.map((connection) => connection.shutdown(shutdownFrame(connection)).then(() => unfinished.delete(connection)));
    let deadline: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => (deadline = setTimeout(resolve, options.deadlineMs ?? DEFAULT_CLOSE_DEADLINE_MS)));
    await Promise.race([Promise.all(finished), expired]);
    clearTimeout(deadline);
    for (const connection of unfinished) connection.destroy('shutdown');
    this.redis?.slots.close();
    await this.broadcaster.close?.();
  }
}

/** Longest a stream waits for the broadcaster to start before it is refused. */
const START_WAIT_MS = 5_000;

/** `starting`, or a 503 once it has taken longer than `START_WAIT_MS` (Redis unreachable at startup, say). */
function untilStarted(starting: Promise<unknown>): Promise<unknown> {
  return withinTime(starting, START_WAIT_MS, () => new HttpProblem(503, 'Broadcasts are not available yet', { 'Retry-After': '5' }));
}

function assertPositive(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new TypeError(`Option ${name} must be a positive number, got ${value}`);
}

function assertNonNegative(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new TypeError(`Option ${name} must be zero or a positive number, got ${value}`);
}

const shutdownFrames = new Map<number, Buffer>();

/** `retry:` hint plus `event: sse-shutdown`, framed once per retry value. */
function shutdownFrame(connection: SseConnection): Buffer {
  const retryMs = connection.manager.spec.retryMs ?? SHUTDOWN_RETRY_MS;
  let frame = shutdownFrames.get(retryMs);
  if (!frame) {
    frame = frameEvent({ retryMs, event: 'sse-shutdown', data: '{}' });
    shutdownFrames.set(retryMs, frame);
  }
  return frame;
}
