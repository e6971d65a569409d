/**
 * The contract between the generated client (`generated/client/`) and the client runtime.
 * Browser- and Node-safe: nothing here may import a Node built-in or server code.
 */

/** An ajv validate function (standalone output has this shape). */
export interface Validator {
  (data: unknown): boolean;
  errors?: Array<{ instancePath: string; message?: string }> | null;
}

export type EventMap = Record<string, unknown>;

/**
 * One received event as a discriminated union member.
 * `E` may be an interface (interfaces have no index signature, so the bound is `object`).
 */
export type ReceivedEvent<E extends object> = {
  [K in keyof E & string]: { event: K; data: E[K]; id: string | null };
}[keyof E & string];

export interface ClientEventSpec {
  /** Key used in `on(key, ...)` and in `ReceivedEvent.event`. */
  key: string;
  contentType: 'application/json' | 'text/plain';
}

/** Plain data the generator emits for one `action: send` operation. */
export interface StreamOperationSpec {
  operationId: string;
  method: 'GET' | 'POST';
  /** Path as in the spec, with `{param}` placeholders. */
  path: string;
  /** Keyed by the SSE `event:` field on the wire; data-only events are keyed `message`. */
  events: Record<string, ClientEventSpec>;
  /** True when the spec declares security (so a fetch transport with headers is needed). */
  secured: boolean;
}

/** Plain data the generator emits for one `action: receive` operation. */
export interface PostOperationSpec {
  operationId: string;
  method: 'POST';
  path: string;
  contentType: 'application/json' | 'text/plain';
}

export type HeadersInit = Record<string, string>;

export interface ClientOptions {
  /** e.g. `http://localhost:3000`; empty string means same origin (browser). */
  baseUrl: string;
  /** Static headers, or a function re-read before every connection attempt (fresh tokens). */
  headers?: HeadersInit | (() => HeadersInit | Promise<HeadersInit>);
  /** Custom fetch (defaults to globalThis.fetch). */
  fetch?: typeof fetch;
  /** Validators by operationId then event key; when given, received payloads are checked. */
  validators?: Record<string, Record<string, Validator>>;
  /**
   * Reconnect delays. The server's `retry:` field replaces `initialDelayMs` once received.
   * Defaults: 1000 ms initial; 500 ms floor (no wait is shorter, whatever the server asks), or
   * `maxDelayMs` when that is lower; 30000 ms cap of the backoff after failures. No wait exceeds
   * 2^31-1 ms (about 24.8 days), the longest a timer holds.
   */
  reconnect?: {
    initialDelayMs?: number;
    /** The floor of every wait. Default 500; 0 follows the HTML Standard (the server's `retry:` as sent). */
    minDelayMs?: number;
    maxDelayMs?: number;
    /**
     * Retries a 408, 429 or 5xx answer with backoff (or after its `Retry-After`): a server that
     * restarts or sheds load answers so. Default `true`; `false` fails the connection on them, as
     * the HTML Standard does.
     */
    retryErrorStatuses?: boolean;
  };
  /**
   * Reconnect when a connection stays silent this long (no headers yet, or not even a heartbeat
   * comment since the last bytes): catches connections that died without closing. Set it above the server's heartbeat interval.
   */
  idleTimeoutMs?: number;
  /** Cookies on cross-origin requests: `include` sends them (EventSource `withCredentials`). */
  credentials?: 'omit' | 'same-origin' | 'include';
  /**
   * One connection per subscription for all tabs of this origin: subscriptions with the same
   * operation, params, query, body, `lastEventId` and credentials (headers as resolved when
   * subscribing) share it. One tab connects, the others receive its events; when it closes,
   * another resumes with `Last-Event-ID`, and events are neither lost nor delivered twice.
   * Needs Web Locks and BroadcastChannel in a secure context; without them (or in Node) each
   * subscription connects on its own. Default `false`.
   */
  shareAcrossTabs?: boolean;
}

/** What every stream call may take besides its request parts. */
export interface StreamCallOptions {
  /** Resume after this id (sent as Last-Event-ID). */
  lastEventId?: string;
  signal?: AbortSignal;
}

/** What every POST call may take besides its request parts. */
export interface PostCallOptions {
  signal?: AbortSignal;
}

/** A stream request in general; the generated client names each operation's own, with its required parts. */
export interface StreamRequest<P, Q, B> extends StreamCallOptions {
  params?: P;
  query?: Q;
  body?: B;
}

/** A POST request in general; the generated client names each operation's own, with its required parts. */
export interface PostRequest<P, Q, B, H = Record<string, string>> extends PostCallOptions {
  params?: P;
  query?: Q;
  body?: B;
  /** Request headers of this call (the message's `headers`); they win over `ClientOptions.headers`. */
  headers?: H;
}

/** RFC 9457 problem details, as the server sends them with `application/problem+json`. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  /** Each rule the request broke, at its place in the request. */
  errors?: ProblemPointer[];
  [member: string]: unknown;
}

/** Where a rejected request broke a rule, and which. */
export interface ProblemPointer {
  /** JSON pointer into the request, prefixed by its part: `/params`, `/query`, `/headers`, `/body`. */
  pointer: string;
  message: string;
}

/**
 * Connection lifecycle of a subscription.
 * `error` reports a failure (HTTP status and problem body when the server answered); it is
 * followed by `reconnecting` when the client tries again, or by `closed` when it gives up.
 */
export type ConnectionStatus =
  | { type: 'open' }
  | { type: 'reconnecting'; attempt: number; delayMs: number }
  | { type: 'error'; status?: number; problem?: Problem; error?: unknown }
  /** `client`: close() or abort; `server`: HTTP 204; `error`: a failure not worth retrying. */
  | { type: 'closed'; reason: 'client' | 'server' | 'error' };

export interface EventMeta {
  /** The event's `id:` field, when it had one. */
  id: string | null;
}

/** The server cannot replay from the id the client sent: refetch state, the stream goes on. */
export interface ResetInfo {
  reason: string;
  lastEventId: string | null;
}

/**
 * Sequential ids (`<n>`, or `<epoch>-<n>` within one epoch) jumped: `missed` events never arrived.
 * Only places `n` count: an addressed event's id `<epoch>-<n>.<k>` is no gap for streams outside its audience.
 */
export interface GapInfo {
  lastEventId: string;
  id: string;
  missed: number;
}

/** An event that failed to parse or to validate; it is not delivered to typed handlers. */
export interface InvalidEvent {
  event: string;
  id: string | null;
  /** The parsed payload, or the raw text when it was not valid JSON. */
  data: unknown;
  errors: Array<{ instancePath: string; message?: string }>;
}

export type SubscriptionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * A live, self-reconnecting event stream of one operation.
 * Every `on…` method returns a function that removes the handler.
 * Iterating (`for await`) yields every event received after the iterator was created; leaving
 * the loop closes the subscription; a failure that stops it is thrown as `HttpError`.
 */
export interface Subscription<E extends object> extends AsyncIterable<ReceivedEvent<E>> {
  on<K extends keyof E & string>(event: K, handler: (data: E[K], meta: EventMeta) => void): () => void;
  onStatus(handler: (status: ConnectionStatus) => void): () => void;
  onReset(handler: (reset: ResetInfo) => void): () => void;
  onGap(handler: (gap: GapInfo) => void): () => void;
  onInvalid(handler: (invalid: InvalidEvent) => void): () => void;
  readonly state: SubscriptionState;
  /** Id of the last event received with one; sent as `Last-Event-ID` when reconnecting. */
  readonly lastEventId: string | null;
  close(): void;
}
