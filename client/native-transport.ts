import type { AttemptHandlers, AttemptOutcome } from './attempt.js';

/**
 * One connection over the platform's EventSource. Its own reconnection is switched off (closed at
 * the first error) so that one backoff policy applies to both transports.
 */
export function nativeAttempt(
  EventSourceImpl: typeof EventSource,
  url: string,
  withCredentials: boolean,
  eventNames: string[],
  handlers: AttemptHandlers,
  signal: AbortSignal,
): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    const source = new EventSourceImpl(url, { withCredentials });
    let opened = false;
    // `lastEventId` of a MessageEvent persists across events; only a change means the event carried an id.
    let previousId = '';
    const finish = (outcome: AttemptOutcome) => {
      source.close();
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = () => finish({ type: 'ended' });
    const onMessage = (event: MessageEvent<string>) => {
      const id = event.lastEventId === previousId ? undefined : event.lastEventId;
      previousId = event.lastEventId;
      handlers.message({ event: event.type === 'message' ? undefined : event.type, data: event.data, id });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    source.addEventListener('open', () => {
      opened = true;
      handlers.open();
    });
    for (const name of eventNames) source.addEventListener(name, onMessage);
    // A server `event: error` arrives as a MessageEvent on the same type as connection errors.
    source.addEventListener('error', (event) => {
      if ('data' in event) onMessage(event as MessageEvent<string>);
      else if (opened) finish({ type: 'ended' });
      // CLOSED: the server answered, but not with a stream; CONNECTING: it could not be reached.
      else if (source.readyState === EventSourceImpl.CLOSED) finish({ type: 'refused' });
      else finish({ type: 'network-error', error: new Error(`Cannot reach ${url}`) });
    });
  });
}
