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

/** One received event as a discriminated union member. */
export type ReceivedEvent<E extends EventMap> = {
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
}

export interface StreamRequest<P, Q, B> {
  params?: P;
  query?: Q;
  body?: B;
  /** Resume after this id (sent as Last-Event-ID). */
  lastEventId?: string;
  signal?: AbortSignal;
}
