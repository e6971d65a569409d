import type { Problem } from './types.js';

/** One parsed event as it came off the wire. `event` is absent for data-only events. */
export interface WireMessage {
  event?: string | undefined;
  data: string;
  id?: string | undefined;
}

/** What a transport reports while one connection attempt runs. */
export interface AttemptHandlers {
  open(): void;
  message(message: WireMessage): void;
  /** A block with an `id:` field ended (with or without data): the new last event id. */
  id(id: string): void;
  /** The server's `retry:` field, in ms. */
  retry(ms: number): void;
  /** The platform EventSource lost the stream and reconnects by itself, after the server's `retry:`. */
  dropped(): void;
}

/** How one connection attempt ended; the subscription decides what comes next. */
export type AttemptOutcome =
  /** The stream ended without error after it opened (server closed it, or stopped mid-stream). */
  | { type: 'ended' }
  | { type: 'network-error'; error: unknown }
  | { type: 'http-error'; status: number; problem?: Problem | undefined; retryAfterMs?: number | undefined }
  | { type: 'no-content' }
  /** 2xx but not `text/event-stream`: a misrouted request, not worth retrying. */
  | { type: 'not-event-stream'; status: number; contentType: string | null }
  /** A native EventSource was answered with something other than a stream; it cannot tell what. */
  | { type: 'refused' }
  /** The platform EventSource reconnected sooner than the floor allows: the server's `retry:` is below it. */
  | { type: 'reconnected-too-soon' };
