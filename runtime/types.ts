/**
 * The contract between generated code and the runtime.
 *
 * Generated code (`generated/server.ts`) describes every endpoint as plain data
 * (`ServiceSpec`) plus precompiled validators, and types the user's handlers with
 * the generic types below. The runtime never reads the AsyncAPI document.
 */
import type { Request } from 'express';

/** An ajv validate function (standalone output has this shape). */
export interface Validator {
  (data: unknown): boolean;
  errors?: ValidationIssue[] | null;
}

/** The subset of ajv's ErrorObject the runtime reports. */
export interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Event payload types of one operation, keyed by the name used in `send()`. */
export type EventMap = Record<string, unknown>;

/** One event of an EventMap as a discriminated union member. */
export type EventOf<E extends EventMap> = {
  [K in keyof E & string]: { event: K; data: E[K]; id?: string };
}[keyof E & string];

export interface EventSpec {
  /** SSE `event:` field written on the wire; `null` sends data-only events (message named `message`). */
  sseEvent: string | null;
  contentType: 'application/json' | 'text/plain';
  /** Validates the payload before it is framed (skipped when outgoing validation is off). */
  validate?: Validator;
}

export type SecuritySchemeType =
  | 'http'
  | 'httpApiKey'
  | 'apiKey'
  | 'oauth2'
  | 'openIdConnect'
  | 'userPassword'
  | 'scramSha256'
  | 'scramSha512'
  | 'plain'
  | 'gssapi'
  | 'X509'
  | 'symmetricEncryption'
  | 'asymmetricEncryption';

export interface SecurityScheme {
  /** Component key of the scheme. */
  name: string;
  type: SecuritySchemeType;
  /** For `http`: `bearer`, `basic`, ... (lower case). */
  scheme?: string;
  /** For `httpApiKey`/`apiKey`: where the key travels. */
  in?: 'header' | 'query' | 'cookie' | 'user' | 'password';
  /** For `httpApiKey`: header/query/cookie name. */
  paramName?: string;
}

/** One way to satisfy security: every scheme listed, with the scopes it needs. */
export interface SecurityRequirement {
  schemes: SecurityScheme[];
  scopes: string[];
}

interface EndpointSpecBase {
  operationId: string;
  /** Express route path, e.g. `/channels/:channel/stream`. */
  path: string;
  /** Path as written in the spec, e.g. `/channels/{channel}/stream`. */
  specPath: string;
  /** Path parameter names in path order (they form the topic). */
  paramNames: string[];
  /** Validates `req.params` (coerces types; compiled with `coerceTypes`). */
  params?: Validator;
  /** Validates `req.query` (coerces types and arrays; compiled with `coerceTypes: 'array'`). */
  query?: Validator;
  /** Validates selected request headers (lower-cased names). */
  headers?: Validator;
  /**
   * Alternatives; any one satisfied admits the request. Empty: public endpoint.
   * Scopes and roles are checked against the authenticated `Identity`.
   */
  security: SecurityRequirement[];
  /** `x-sse-roles`: the identity needs at least one of these roles. */
  roles?: string[];
  /** Documentation only. */
  summary?: string;
}

/** `action: send` on an HTTP path: one SSE endpoint. */
export interface StreamEndpointSpec extends EndpointSpecBase {
  kind: 'stream';
  method: 'GET' | 'POST';
  /** Validates the JSON request body of POST streams. */
  body?: Validator;
  /** The same check listing every problem; run only on a body `body` refused, when it is small. */
  bodyAllErrors?: Validator;
  events: Record<string, EventSpec>;
  /** Heartbeat comment interval (`x-sse-heartbeat`, ms). Default 15000. */
  heartbeatMs?: number;
  /** `retry:` field sent when the stream opens (`x-sse-retry`, ms). */
  retryMs?: number;
  /** Replay buffer (`x-sse-replay`); absent: events carry no automatic ids and are not replayed. */
  replay?: { maxEvents: number; ttlMs: number };
  /** `x-sse-max-duration`, ms: the stream ends cleanly after this long and the client reconnects. */
  maxDurationMs?: number;
  /** `x-sse-max-connections-per-identity`: over it, 429 with Retry-After. */
  maxConnectionsPerIdentity?: number;
}

/** `action: receive` on an HTTP path: a JSON POST endpoint answering 202, or its `reply`. */
export interface ReceiveEndpointSpec extends EndpointSpecBase {
  kind: 'receive';
  method: 'POST';
  /** Validates the JSON body (the message payload; a oneOf when several messages). */
  body?: Validator;
  /** The same check listing every problem; run only on a body `body` refused, when it is small. */
  bodyAllErrors?: Validator;
  /** Validates the body a handler answers with (the operation's `reply`). */
  reply?: Validator;
  contentType: 'application/json' | 'text/plain';
}

export type EndpointSpec = StreamEndpointSpec | ReceiveEndpointSpec;

export interface ServiceSpec {
  title: string;
  version: string;
  endpoints: EndpointSpec[];
  /** The bundled AsyncAPI document, served at `/asyncapi.json`. */
  document?: unknown;
}

/** Who is calling, as returned by `AppOptions.authenticate`. */
export interface Identity {
  id: string;
  scopes?: string[];
  roles?: string[];
  [key: string]: unknown;
}

export type ConnectionMetadata = Record<string, unknown>;

/** What a stream handler writes to. `send` only accepts the operation's declared events. */
export interface SseStream<E extends EventMap, P = Record<string, string>, M extends object = ConnectionMetadata> {
  /** Connection id, unique within the process. */
  readonly id: string;
  readonly params: P;
  readonly identity: Identity | null;
  /** Last-Event-ID header, or `lastEventId` query parameter, sent by the client. */
  readonly lastEventId: string | null;
  /** Per-connection metadata, visible to the connection manager's filters; empty until the handler sets it. */
  metadata: Partial<M>;
  /** Aborted when the client disconnects or the stream is closed. */
  readonly signal: AbortSignal;
  /** Resolves when the stream has closed, for any reason. */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  /**
   * Validates, frames and writes one event to this connection.
   * Throws `PayloadValidationError` (nothing written) for an invalid payload.
   */
  send<K extends keyof E & string>(event: K, data: E[K], options?: { id?: string }): void;
  /** Writes `: text`. */
  comment(text: string): void;
  /** Ends the stream. */
  close(): void;
  /**
   * Also receives the broadcasts addressed to `topic` (a POST stream whose body picks several
   * rooms, say), on whichever instance they are posted. Events of a joined topic arrive without
   * their id: replay after a reconnect covers the stream's own topic only. Settles once the
   * topic's broadcasts reach this stream (at once, unless a routing broadcaster subscribes).
   */
  join(topic: Record<string, string | number>): Promise<void>;
}

/** Read-only view of one open stream, as the connection manager lists it. */
export interface ConnectionInfo<P = Record<string, string>, M extends object = ConnectionMetadata> {
  readonly id: string;
  readonly operationId: string;
  readonly params: P;
  readonly identity: Identity | null;
  /** Empty until the stream's handler sets it. */
  metadata: Partial<M>;
  readonly connectedAt: number;
}

export type ConnectionFilter<P, M extends object> = (connection: ConnectionInfo<P, M>) => boolean;

/**
 * Who a broadcast is for. Every field travels with the message, so it reaches the matching
 * streams of every instance; fields combine (a stream must match all that are given).
 */
export interface BroadcastOptions<P, M extends object> {
  /** Only connections whose path parameters equal these (a channel's topic), or that joined it. */
  topic?: Partial<P> | Record<string, string | number>;
  /**
   * Only the streams of this identity (`Identity.id`), on every instance. Like `exceptIdentity`
   * and `metadata`, on a replayable endpoint the event is stored with its audience and replayed
   * to a returning stream of that audience only, under an id `<epoch>-<n>.<k>`.
   */
  identity?: string;
  /** Leaves out the streams of this identity (the sender of a typing notice, say). */
  exceptIdentity?: string;
  /**
   * Only connections whose metadata has these values (compared with `===`); on replay, the
   * metadata the handler set before its first `await` counts.
   */
  metadata?: Partial<M>;
  /**
   * Only connections this predicate accepts, on this instance only: a predicate cannot travel,
   * so with a shared broadcaster (Redis) it is refused; use `identity`, `exceptIdentity` or
   * `metadata` instead. Filtered broadcasts are not replayed.
   */
  filter?: ConnectionFilter<P, M>;
  /** Explicit event id; replayable endpoints assign one when absent. */
  id?: string;
}

/** Typed view of the open streams of one operation. */
export interface ConnectionManager<E extends EventMap, P = Record<string, string>, M extends object = ConnectionMetadata> {
  list(filter?: ConnectionFilter<P, M>): ConnectionInfo<P, M>[];
  count(filter?: ConnectionFilter<P, M>): number;
  get(connectionId: string): ConnectionInfo<P, M> | undefined;
  /** Serializes once, writes to every matching connection; returns how many received it. */
  broadcast<K extends keyof E & string>(event: K, data: E[K], options?: BroadcastOptions<P, M>): number;
  /** Closes matching connections. */
  disconnect(filter?: ConnectionFilter<P, M>): number;
}

/**
 * The types of one operation, by name; the generated `Handlers` fills them in per operation.
 * `connections` is the service's generated `Connections` map.
 */
export interface OperationTypes {
  params: unknown;
  query: unknown;
  /** The request headers (names lower-cased), checked against the message's `headers` schema. */
  headers: unknown;
  body: unknown;
  /** `Identity` on a secured endpoint (a request without one is refused), `null` on a public one. */
  identity: Identity | null;
  connections: unknown;
}

/** A stream operation's types: what it sends and what each connection carries. */
export interface StreamTypes extends OperationTypes {
  events: EventMap;
  metadata: object;
}

/** A receive operation's types: `reply` is the body a handler may answer with. */
export interface ReceiveTypes extends OperationTypes {
  reply: unknown;
}

/** What every handler gets besides its stream. */
export interface HandlerContext<O extends OperationTypes> {
  params: O['params'];
  query: O['query'];
  headers: O['headers'];
  body: O['body'];
  identity: O['identity'];
  connections: O['connections'];
  request: Request;
}

export type StreamHandler<O extends StreamTypes> = (
  stream: SseStream<O['events'], O['params'], O['metadata']>,
  context: HandlerContext<O>,
) => void | Promise<void> | AsyncIterable<EventOf<O['events']>>;

/**
 * A stream handler with a check that runs before the stream opens. `admit` throwing an
 * `HttpProblem` (a 404 for an unknown resource, say) answers with that problem and opens no
 * stream; any other error is a 500.
 */
export interface GuardedStreamHandler<O extends StreamTypes> {
  admit(context: HandlerContext<O>): void | Promise<void>;
  stream: StreamHandler<O>;
}

/** A stream operation's entry in the generated `Handlers`: a plain or a guarded stream handler. */
export type StreamOperationHandler<O extends StreamTypes> = StreamHandler<O> | GuardedStreamHandler<O>;

/** Result of a receive handler; default is 202 with no body. A body is checked against the operation's `reply`. */
export interface ReceiveResult<R = unknown> {
  status?: number;
  body?: R;
}

export type ReceiveHandler<O extends ReceiveTypes> = (
  context: HandlerContext<O>,
) => void | ReceiveResult<O['reply']> | Promise<void | ReceiveResult<O['reply']>>;

export interface CloseOptions {
  /** Streams still open after this are destroyed. Default 5000. */
  deadlineMs?: number;
}

/** Runtime state behind an app or router built from a ServiceSpec. `C` is the generated `Connections` map. */
export interface SseRuntime<C> {
  /** One typed connection manager per stream operation, keyed by operationId. */
  readonly connections: C;
  /** Stops accepting streams, tells every client to come back later, ends every stream. */
  close(options?: CloseOptions): Promise<void>;
}
