import { createParser } from 'eventsource-parser';
import type { AttemptHandlers, AttemptOutcome } from './attempt.js';
import { parseRetryAfter, readProblem } from './http.js';
import type { ClientOptions } from './types.js';

export interface FetchAttemptRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | undefined;
  credentials?: ClientOptions['credentials'];
  signal: AbortSignal;
}

/**
 * One connection over fetch streaming; resolves when the stream is over, never rejects.
 * With `idleTimeoutMs`, a stream silent for that long (not even a heartbeat) counts as dropped.
 */
export async function fetchAttempt(
  fetchImpl: typeof fetch,
  request: FetchAttemptRequest,
  handlers: AttemptHandlers,
  idleTimeoutMs?: number,
): Promise<AttemptOutcome> {
  const { url, ...init } = request;
  let response: Response;
  try {
    response = await fetchImpl(url, init);
  } catch (error) {
    return { type: 'network-error', error };
  }
  if (response.status === 204) return { type: 'no-content' };
  if (!response.ok) {
    return {
      type: 'http-error',
      status: response.status,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
      problem: await readProblem(response),
    };
  }
  const contentType = response.headers.get('content-type');
  if (!response.body || !/^text\/event-stream\b/i.test(contentType ?? '')) {
    await response.body?.cancel();
    return { type: 'not-event-stream', status: response.status, contentType };
  }
  handlers.open();
  const parser = createParser({ onEvent: handlers.message, onRetry: handlers.retry });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let idle = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watch = () => {
    if (!idleTimeoutMs) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      void reader.cancel();
    }, idleTimeoutMs);
  };
  try {
    for (watch(); ; watch()) {
      const { done, value } = await reader.read();
      if (idle) return { type: 'network-error', error: new Error(`No data for ${idleTimeoutMs} ms`) };
      if (done) return { type: 'ended' };
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } catch (error) {
    return { type: 'network-error', error };
  } finally {
    clearTimeout(timer);
  }
}
