import type { AttemptHandlers, AttemptOutcome } from './attempt.js';

export interface NativeAttemptRequest {
  url: string;
  withCredentials: boolean;
  eventNames: string[];
  signal: AbortSignal;
  /**
   * After a drop the platform reconnects by itself, after the server's `retry:` (which only it can
   * read), unless it did so sooner than this floor once; `false` closes at the first drop instead.
   */
  platformReconnectFloorMs: number | false;
}

/**
 * One connection over the platform's EventSource. Failures close it, so that one backoff policy
 * applies to both transports; a stream that ended is resumed by the platform itself.
 */
export function nativeAttempt(
  EventSourceImpl: typeof EventSource,
  request: NativeAttemptRequest,
  handlers: AttemptHandlers,
): Promise<AttemptOutcome> {
  const { url, withCredentials, eventNames, signal } = request;
  let floorMs = request.platformReconnectFloorMs;
  return new Promise((resolve) => {
    const source = new EventSourceImpl(url, { withCredentials });
    let connected = false;
    let droppedAt: number | undefined;
    let reconnectedTooSoon = false;
    // `lastEventId` of a MessageEvent persists across events; only a change means the event carried an id.
    let previousId = '';
    const finish = (outcome: AttemptOutcome) => {
      source.close();
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = () => finish({ type: 'ended' });
    const onMessage = (event: MessageEvent<string>) => {
      const changed = event.lastEventId !== previousId;
      previousId = event.lastEventId;
      if (changed) handlers.id(event.lastEventId);
      handlers.message({ event: event.type === 'message' ? undefined : event.type, data: event.data, id: changed ? event.lastEventId : undefined });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    source.addEventListener('open', () => {
      if (droppedAt !== undefined) {
        const waitedMs = Date.now() - droppedAt;
        handlers.retry(waitedMs);
        if (floorMs !== false && waitedMs < floorMs) {
          // Keep this connection, but the next drop is the client's to wait for.
          reconnectedTooSoon = true;
          floorMs = false;
        }
      }
      connected = true;
      handlers.open();
    });
    for (const name of eventNames) source.addEventListener(name, onMessage);
    // A server `event: error` arrives as a MessageEvent on the same type as connection errors.
    source.addEventListener('error', (event) => {
      if ('data' in event) onMessage(event as MessageEvent<string>);
      else if (connected && floorMs !== false && source.readyState === EventSourceImpl.CONNECTING) {
        connected = false;
        droppedAt = Date.now();
        handlers.dropped();
      } else if (connected) finish({ type: reconnectedTooSoon ? 'reconnected-too-soon' : 'ended' });
      // CLOSED: the server answered, but not with a stream; CONNECTING: it could not be reached.
      else if (source.readyState === EventSourceImpl.CLOSED) finish({ type: 'refused' });
      else finish({ type: 'network-error', error: new Error(`Cannot reach ${url}`) });
    });
  });
}
