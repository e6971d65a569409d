import type { AttemptOutcome } from './attempt.js';
import { HttpError } from './http.js';
import type { ConnectionStatus } from './types.js';

type ErrorStatus = Extract<ConnectionStatus, { type: 'error' }>;

/** Outcomes the policy decides on; a refused EventSource is asked again over fetch at once. */
export type PolicyOutcome = Exclude<AttemptOutcome, { type: 'refused' }>;

/** What follows one connection attempt: try again after a delay, or stop for good. */
export type NextStep =
  | { type: 'retry'; delayMs: number; error?: ErrorStatus }
  | { type: 'stop'; reason: 'server' | 'error'; error?: ErrorStatus; failure?: unknown };

export interface Delays {
  /** The server's `retry:`, else the configured initial delay. */
  baseMs: number;
  /** The floor of every wait, whatever the server asks. */
  minMs: number;
  /** The cap of the backoff after failures (not of the server's own `retry:` or `Retry-After`). */
  maxMs: number;
}

/** The longest wait a timer can hold (2^31-1 ms, about 24.8 days); longer ones fire at once. */
export const LONGEST_WAIT_MS = 2 ** 31 - 1;

/**
 * Client errors other than these mean the request itself is wrong: retrying cannot help. A 2xx
 * other than 200 is not a stream either (the HTML Standard fails the connection).
 */
function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Decides what follows an attempt. `attempt` counts attempts since the stream last opened (from 1).
 * Failures back off exponentially with full jitter; a stream the server ended cleanly resumes
 * after its `retry:` delay. Every wait lies between the floor and `LONGEST_WAIT_MS`.
 * `retryErrorStatuses: false` stops at a 408, 429 or 5xx, as the HTML Standard does.
 */
export function nextStep(outcome: PolicyOutcome, attempt: number, delays: Delays, retryErrorStatuses = true): NextStep {
  const wait = (ms: number) => Math.min(LONGEST_WAIT_MS, Math.max(delays.minMs, ms));
  // At least 1 ms to double from, so that `retry: 0` cannot keep failures at the floor.
  const backoff = () => wait(Math.random() * Math.min(delays.maxMs, Math.max(delays.baseMs, delays.minMs, 1) * 2 ** (attempt - 1)));
  switch (outcome.type) {
    case 'ended':
    case 'reconnected-too-soon':
      return { type: 'retry', delayMs: wait(delays.baseMs) };
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
      if (retryErrorStatuses && isRetryable(status)) {
        const delayMs = outcome.retryAfterMs === undefined ? backoff() : wait(outcome.retryAfterMs);
        return { type: 'retry', delayMs, error };
      }
      return { type: 'stop', reason: 'error', error, failure: new HttpError(status, problem) };
    }
  }
}
