import type { AttemptHandlers, AttemptOutcome } from './attempt.js';
import { createEventStreamParser } from './event-stream-parser.js';
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

/** The MIME type essence, without parameters (`text/event-stream; charset=utf-8` → `text/event-stream`). */
function essence(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * One connection over fetch streaming; resolves when the stream is over, never rejects.
 * With `idleTimeoutMs`, a connection silent for that long (no headers yet, or not even a
 * heartbeat since the last bytes) counts as dropped.
 */
export async function fetchAttempt(
  fetchImpl: typeof fetch,
  request: FetchAttemptRequest,
  handlers: AttemptHandlers,
  idleTimeoutMs?: number,
): Promise<AttemptOutcome> {
  const { url, signal, ...init } = request;
  // Aborted by the caller, or by the idle timer: one signal covers waiting for headers and for bytes.
  const connection = new AbortController();
  const abort = () => connection.abort();
  signal.addEventListener('abort', abort, { once: true });
  let idle = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watch = () => {
    if (!idleTimeoutMs) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      abort();
    }, idleTimeoutMs);
  };
  const idleError = () => ({ type: 'network-error', error: new Error(`No data for ${idleTimeoutMs} ms`) }) as const;
  try {
    watch();
    let response: Response;
    try {
      // `no-store` also sends `Cache-Control: no-cache`, as EventSource does.
      response = await fetchImpl(url, { ...init, cache: 'no-store', signal: connection.signal });
    } catch (error) {
      return idle ? idleError() : { type: 'network-error', error };
    }
    if (response.status === 204) return { type: 'no-content' };
    // Only 200 is a stream (HTML Standard); 205, 206 or 299 fail like any other status.
    if (response.status !== 200) {
      return {
        type: 'http-error',
        status: response.status,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        problem: await readProblem(response),
      };
    }
    const contentType = response.headers.get('content-type');
    if (!response.body || essence(contentType) !== 'text/event-stream') {
      await response.body?.cancel();
      return { type: 'not-event-stream', status: response.status, contentType };
    }
    handlers.open();
    const feed = createEventStreamParser(handlers);
    // Always UTF-8, whatever charset the header names; a leading BOM is dropped.
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    try {
      for (watch(); ; watch()) {
        const { done, value } = await reader.read();
        if (done) return { type: 'ended' };
        feed(decoder.decode(value, { stream: true }));
      }
    } catch (error) {
      return idle ? idleError() : { type: 'network-error', error };
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', abort);
  }
}
