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
  /** The server's `retry:` field, in ms. */
  retry(ms: number): void;
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
  | { type: 'refused' };
