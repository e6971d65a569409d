import type { AttemptHandlers, AttemptOutcome, WireMessage } from './attempt.js';
import { decode } from './decode.js';
import { EventQueue } from './event-queue.js';
import { fetchAttempt } from './fetch-transport.js';
import { buildUrl, resolveHeaders, utf8ByteString } from './http.js';
import { Listeners } from './listeners.js';
import { nativeAttempt } from './native-transport.js';
import { nextStep } from './reconnect-policy.js';
import { subscriptionKey, TabShare, tabSharingAvailable } from './tab-share.js';
import type {
  ClientEventSpec,
  ClientOptions,
  ConnectionStatus,
  EventMeta,
  GapInfo,
  InvalidEvent,
  Problem,
  ReceivedEvent,
  ResetInfo,
  StreamOperationSpec,
  StreamRequest,
  Subscription,
  SubscriptionState,
} from './types.js';

const DEFAULT_INITIAL_DELAY_MS = 1000;
/** 120 attempts a minute at most, even when a server sends `retry: 0` and closes every stream. */
const DEFAULT_MIN_DELAY_MS = 500;
const DEFAULT_MAX_DELAY_MS = 30_000;
/** Sent by the server when it cannot replay from the client's Last-Event-ID. */
const RESET_EVENT = 'sse-reset';
/**
 * A sequential id: `<n>`, or `<epoch>-<n>` as replayable endpoints send (the epoch names the
 * topic's history; a new one restarts at 1, which is no gap), or `<epoch>-<n>.<k>` for an event
 * addressed to part of the topic's streams, which comes after place `n` and takes none itself.
 */
const SEQUENTIAL = /^(?:([0-9a-z]{1,16})-)?(\d+)(\.\d+)?$/;

/** Opens a typed, self-reconnecting subscription to one stream operation. */
export function subscribe<E extends object>(
  operation: StreamOperationSpec,
  options: ClientOptions,
  request: StreamRequest<unknown, unknown, unknown> = {},
): Subscription<E> {
  return new StreamSubscription<E>(operation, options, request);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function parseProblem(data: string): Problem {
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed === 'object' && parsed !== null) return parsed as Problem;
  } catch {
    // not JSON: the text itself is the best description
  }
  return { title: data };
}

class StreamSubscription<E extends object> implements Subscription<E> {
  private currentState: SubscriptionState = 'connecting';
  private lastId: string | null;
  private failure: unknown = undefined;
  private readonly url: string;
  private readonly body: string | undefined;
  private readonly controller = new AbortController();
  private baseDelayMs: number;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly retryErrorStatuses: boolean;
  private useNative: boolean;
  /** Off once the platform EventSource reconnected sooner than the floor. */
  private platformReconnects = true;
  /** Off for the first id after a reset: the server said continuity is already lost. */
  private checkGaps = true;
  private readonly eventListeners = new Map<string, Listeners<[unknown, EventMeta]>>();
  private readonly statusListeners = new Listeners<[ConnectionStatus]>();
  private readonly resetListeners = new Listeners<[ResetInfo]>();
  private readonly gapListeners = new Listeners<[GapInfo]>();
  private readonly invalidListeners = new Listeners<[InvalidEvent]>();
  private readonly iterators = new Set<EventQueue<ReceivedEvent<E>>>();
  /** Set while this subscription shares one connection with other tabs (`shareAcrossTabs`). */
  private tabShare: TabShare | null = null;
  private readonly handlers: AttemptHandlers = {
    open: () => {
      this.currentState = 'open';
      this.report({ type: 'open' });
    },
    message: (message) => (this.tabShare ? this.tabShare.publish(message) : this.dispatch(message)),
    id: (id) => {
      this.trackId(id);
      this.tabShare?.publishId(id);
    },
    retry: (ms) => {
      this.baseDelayMs = ms;
    },
    dropped: () => {
      this.currentState = 'reconnecting';
      this.report({ type: 'reconnecting', attempt: 1, delayMs: this.baseDelayMs });
    },
  };
  private readonly onAbort = () => this.close();

  constructor(
    private readonly operation: StreamOperationSpec,
    private readonly options: ClientOptions,
    private readonly request: StreamRequest<unknown, unknown, unknown>,
  ) {
    this.url = buildUrl(options.baseUrl, operation.path, request.params, request.query);
    this.body = operation.method === 'GET' || request.body === undefined ? undefined : JSON.stringify(request.body);
    this.lastId = request.lastEventId ?? null;
    const {
      initialDelayMs = DEFAULT_INITIAL_DELAY_MS,
      maxDelayMs = DEFAULT_MAX_DELAY_MS,
      minDelayMs = Math.min(DEFAULT_MIN_DELAY_MS, maxDelayMs),
      retryErrorStatuses = true,
    } = options.reconnect ?? {};
    if (!(minDelayMs >= 0 && minDelayMs <= maxDelayMs)) {
      throw new RangeError(`reconnect.minDelayMs (${minDelayMs}) must lie between 0 and reconnect.maxDelayMs (${maxDelayMs})`);
    }
    this.baseDelayMs = initialDelayMs;
    this.minDelayMs = minDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.retryErrorStatuses = retryErrorStatuses;
    // The platform EventSource can send neither a body nor headers, and does not report heartbeats.
    this.useNative = operation.method === 'GET' && !options.headers && !options.fetch && !options.idleTimeoutMs;
    if (request.signal?.aborted) {
      this.finish('client');
      return;
    }
    request.signal?.addEventListener('abort', this.onAbort, { once: true });
    (options.shareAcrossTabs && tabSharingAvailable() ? this.joinTabs() : this.run()).catch(this.fail);
  }

  get state(): SubscriptionState {
    return this.currentState;
  }

  get lastEventId(): string | null {
    return this.lastId;
  }

  on<K extends keyof E & string>(event: K, handler: (data: E[K], meta: EventMeta) => void): () => void {
    let listeners = this.eventListeners.get(event);
    if (!listeners) {
      listeners = new Listeners();
      this.eventListeners.set(event, listeners);
    }
    return listeners.add(handler as (data: unknown, meta: EventMeta) => void);
  }

  onStatus(handler: (status: ConnectionStatus) => void): () => void {
    return this.statusListeners.add(handler);
  }

  onReset(handler: (reset: ResetInfo) => void): () => void {
    return this.resetListeners.add(handler);
  }

  onGap(handler: (gap: GapInfo) => void): () => void {
    return this.gapListeners.add(handler);
  }

  onInvalid(handler: (invalid: InvalidEvent) => void): () => void {
    return this.invalidListeners.add(handler);
  }

  close(): void {
    this.finish('client');
  }

  [Symbol.asyncIterator](): AsyncIterator<ReceivedEvent<E>> {
    const queue: EventQueue<ReceivedEvent<E>> = new EventQueue(() => {
      this.iterators.delete(queue);
      this.close();
    });
    if (this.currentState === 'closed') queue.end(this.failure);
    else this.iterators.add(queue);
    return queue;
  }

  private readonly fail = (error: unknown): void => {
    this.report({ type: 'error', error });
    this.tabShare?.publishStatus({ type: 'closed', reason: 'error' }, error);
    this.finish('error', error);
  };

  /** Joins the tabs that share this subscription's key; this tab connects when its turn to lead comes. */
  private async joinTabs(): Promise<void> {
    const identity = Object.entries(await resolveHeaders(this.options)).sort(([a], [b]) => (a < b ? -1 : 1));
    const key = await subscriptionKey([
      this.operation.operationId,
      new URL(this.url, globalThis.location?.href).href,
      this.body ?? null,
      this.request.lastEventId ?? null,
      this.options.credentials ?? null,
      identity,
    ]);
    if (this.currentState === 'closed') return;
    this.tabShare = new TabShare(key, {
      lead: () => this.run().catch(this.fail),
      deliver: (message) => this.dispatch(message),
      track: (id) => this.trackId(id),
      follow: (status, failure) => this.follow(status, failure),
      historyIncomplete: () => this.resetListeners.emit({ reason: 'history-unavailable', lastEventId: null }),
    });
  }

  /** A status of the connection of the tab that leads. */
  private follow(status: ConnectionStatus, failure?: unknown): void {
    if (status.type === 'closed') {
      this.finish(status.reason, failure);
      return;
    }
    if (status.type === 'open' || status.type === 'reconnecting') this.currentState = status.type;
    this.statusListeners.emit(status);
  }

  /** A status of this tab's own connection: for its listeners, and for the tabs that follow it. */
  private report(status: ConnectionStatus): void {
    this.statusListeners.emit(status);
    this.tabShare?.publishStatus(status);
  }

  private async run(): Promise<void> {
    const { signal } = this.controller;
    let attempt = 0;
    while (!signal.aborted) {
      const outcome = await this.connect(signal);
      if (signal.aborted) return;
      if (outcome.type === 'refused') {
        // The platform EventSource hides the status: ask again at once over fetch, which can read it.
        this.useNative = false;
        continue;
      }
      if (outcome.type === 'reconnected-too-soon') this.platformReconnects = false;
      if (this.currentState === 'open') attempt = 0;
      attempt += 1;
      const step = nextStep(outcome, attempt, { baseMs: this.baseDelayMs, minMs: this.minDelayMs, maxMs: this.maxDelayMs }, this.retryErrorStatuses);
      if (step.error) this.report(step.error);
      if (step.type === 'stop') {
        this.tabShare?.publishStatus({ type: 'closed', reason: step.reason }, step.failure);
        this.finish(step.reason, step.failure);
        return;
      }
      this.currentState = 'reconnecting';
      this.report({ type: 'reconnecting', attempt, delayMs: step.delayMs });
      await sleep(step.delayMs, signal);
    }
  }

  private async connect(signal: AbortSignal): Promise<AttemptOutcome> {
    const NativeEventSource = globalThis.EventSource;
    if (this.useNative && NativeEventSource) {
      const url =
        this.lastId === null
          ? this.url
          : `${this.url}${this.url.includes('?') ? '&' : '?'}lastEventId=${encodeURIComponent(this.lastId)}`;
      const names = Object.keys(this.operation.events).filter((name) => name !== 'error');
      return nativeAttempt(
        NativeEventSource,
        {
          url,
          withCredentials: this.options.credentials === 'include',
          eventNames: [...names, RESET_EVENT],
          signal,
          platformReconnectFloorMs: this.platformReconnects && this.minDelayMs,
        },
        this.handlers,
      );
    }
    let headers: Record<string, string>;
    try {
      headers = await resolveHeaders(this.options);
    } catch (error) {
      return { type: 'network-error', error };
    }
    if (signal.aborted) return { type: 'ended' };
    return fetchAttempt(
      this.options.fetch ?? globalThis.fetch,
      {
        url: this.url,
        method: this.operation.method,
        headers: {
          accept: 'text/event-stream',
          ...(this.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.lastId === null ? {} : { 'last-event-id': utf8ByteString(this.lastId) }),
          ...headers,
        },
        body: this.body,
        credentials: this.options.credentials,
        signal,
      },
      this.handlers,
      this.options.idleTimeoutMs,
    );
  }

  private dispatch({ event = 'message', data, id }: WireMessage): void {
    if (this.currentState === 'closed') return;
    if (event === RESET_EVENT) {
      const { reason, lastEventId } = parseProblem(data);
      this.checkGaps = false;
      this.resetListeners.emit({
        reason: typeof reason === 'string' ? reason : 'replay-unavailable',
        lastEventId: typeof lastEventId === 'string' ? lastEventId : null,
      });
      return;
    }
    const spec = this.operation.events[event];
    if (spec) this.deliver(spec, data, id || null);
    else if (event === 'error') this.statusListeners.emit({ type: 'error', problem: parseProblem(data) });
  }

  private trackId(id: string): void {
    if (this.currentState === 'closed') return;
    const previous = this.lastId;
    // An empty id resets the last event id (WHATWG), so nothing is sent on reconnect.
    this.lastId = id === '' ? null : id;
    const before = previous === null ? null : SEQUENTIAL.exec(previous);
    const now = SEQUENTIAL.exec(id);
    if (this.checkGaps && before && now && before[1] === now[1]) {
      // Every stream of the topic is sent each place; addressed events may skip one another by design.
      // One after place n follows place n itself, so it reveals places missed up to n.
      const missed = BigInt(now[2]!) - BigInt(before[2]!) - (now[3] === undefined ? 1n : 0n);
      if (missed > 0n) this.gapListeners.emit({ lastEventId: previous!, id, missed: Number(missed) });
    }
    this.checkGaps = true;
  }

  private deliver(spec: ClientEventSpec, text: string, id: string | null): void {
    const decoded = decode(spec, text, this.options.validators?.[this.operation.operationId]?.[spec.key]);
    if (!decoded.valid) {
      this.invalidListeners.emit({ event: spec.key, id, data: decoded.data, errors: decoded.errors });
      return;
    }
    this.eventListeners.get(spec.key)?.emit(decoded.data, { id });
    const received = { event: spec.key, data: decoded.data, id } as ReceivedEvent<E>;
    for (const queue of this.iterators) queue.push(received);
  }

  private finish(reason: 'client' | 'server' | 'error', failure?: unknown): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.failure = failure;
    this.controller.abort();
    this.tabShare?.close();
    this.request.signal?.removeEventListener('abort', this.onAbort);
    this.statusListeners.emit({ type: 'closed', reason });
    for (const queue of this.iterators) queue.end(failure);
    this.iterators.clear();
  }
}
