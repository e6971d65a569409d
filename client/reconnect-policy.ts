import type { AttemptOutcome } from './attempt.js';
import { HttpError } from './http.js';
import type { ConnectionStatus } from './types.js';

type ErrorStatus = Extract<ConnectionStatus, { type: 'error' }>;

/** What follows one connection attempt: try again after a delay, or stop for good. */
export type NextStep =
  | { type: 'retry'; delayMs: number; error?: ErrorStatus }
  | { type: 'stop'; reason: 'server' | 'error'; error?: ErrorStatus; failure?: unknown };

export interface Delays {
  /** The server's `retry:`, else the configured initial delay. */
  baseMs: number;
  maxMs: number;
}

/** Client errors other than these mean the request itself is wrong: retrying cannot help. */
function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Decides what follows an attempt. `attempt` counts attempts since the stream last opened (from 1).
 * Failures back off exponentially with full jitter; a stream the server ended cleanly resumes
 * after its `retry:` delay.
 */
export function nextStep(outcome: Exclude<AttemptOutcome, { type: 'refused' }>, attempt: number, delays: Delays): NextStep {
  // At least 1 ms to double from, so that `retry: 0` cannot turn failures into a tight loop.
  const backoff = () => Math.random() * Math.min(delays.maxMs, Math.max(delays.baseMs, 1) * 2 ** (attempt - 1));
  switch (outcome.type) {
    case 'ended':
      return { type: 'retry', delayMs: delays.baseMs };
    case 'network-error':
      return { type: 'retry', delayMs: backoff(), error: { type: 'error', error: outcome.error } };
    case 'no-content':
      return { type: 'stop', reason: 'server' };
    case 'not-event-stream': {
      const failure = new TypeError(`Expected text/event-stream, got ${outcome.contentType ?? 'no content type'}`);
      return { type: 'stop', reason: 'error', error: { type: 'error', status: outcome.status, error: failure }, failure };
    }
    case 'http-error': {
      const { status, problem } = outcome;
      const error: ErrorStatus = { type: 'error', status, problem };
      if (isRetryable(status)) return { type: 'retry', delayMs: outcome.retryAfterMs ?? backoff(), error };
      return { type: 'stop', reason: 'error', error, failure: new HttpError(status, problem) };
    }
  }
}
