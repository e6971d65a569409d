import { EventSource } from 'eventsource';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { subscribe, type StreamOperationSpec } from '../../runtime/client/index.js';
import { answerProblem, endWithRetryZero, gapsBetween, openStream, pause, startServer, type TestServer } from './sse-server.js';
import { nextStatus, recordStatuses } from './wait.js';

const operation: StreamOperationSpec = {
  operationId: 'ticks',
  method: 'GET',
  path: '/ticks',
  events: { message: { key: 'tick', contentType: 'application/json' } },
  secured: false,
};

interface Events {
  tick: { n: number };
}

/** A WHATWG EventSource (the `eventsource` package) standing in for the browser's, recording each one opened. */
const opened: string[] = [];
const withCredentials: boolean[] = [];
class RecordingEventSource extends EventSource {
  constructor(url: string | URL, init?: EventSourceInit) {
    super(url, init);
    opened.push(String(url));
    withCredentials.push(init?.withCredentials ?? false);
  }
}

let server: TestServer | undefined;
beforeEach(() => {
  opened.length = 0;
  withCredentials.length = 0;
  vi.stubGlobal('EventSource', RecordingEventSource);
});
afterEach(async () => {
  vi.unstubAllGlobals();
  await server?.close();
});

describe('native EventSource transport (GET without headers)', () => {
  it('receives data-only events, and leaves resuming after the stream ends to the EventSource (Last-Event-ID header)', async () => {
    server = await startServer([
      (res) => {
        openStream(res);
        res.end('retry: 10\nid: 1\ndata: {"n":1}\n\nid: 2\ndata: {"n":2}\n\n');
      },
      (res) => {
        openStream(res);
        res.write('id: 3\ndata: {"n":3}\n\n');
      },
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { initialDelayMs: 10 } });
    const seen: Array<[number, string | null]> = [];
    subscription.on('tick', (data, { id }) => seen.push([data.n, id]));
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    subscription.close();
    expect(seen).toEqual([
      [1, '1'],
      [2, '2'],
      [3, '3'],
    ]);
    expect(opened).toEqual([`${server.url}/ticks`]);
    expect(server.requests[1]?.headers['last-event-id']).toBe('2');
  });

  it('reconnects after the server `retry:`, which only the EventSource itself can read', async () => {
    let endedAt = 0;
    server = await startServer([
      (res) => {
        openStream(res);
        res.end('retry: 2000\nid: 1\ndata: {"n":1}\n\n', () => (endedAt = Date.now()));
      },
      (res) => openStream(res),
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url });
    const reconnecting = nextStatus(subscription, 'reconnecting');
    const [, second] = await server.waitForRequests(2);
    subscription.close();
    expect(await reconnecting).toMatchObject({ attempt: 1 });
    // The WPT retry cases allow 10% either side; the upper bound is left to a loaded machine.
    expect(second!.at - endedAt).toBeGreaterThanOrEqual(1800);
    expect(second!.headers['last-event-id']).toBe('1');
    expect(opened).toHaveLength(1);
  });

  it('keeps to the 500 ms floor when the server sends `retry: 0` and closes every stream', async () => {
    server = await startServer([endWithRetryZero]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url });
    await pause(2200);
    subscription.close();
    expect(server.requests.length).toBeGreaterThanOrEqual(3);
    expect(server.requests.length).toBeLessThanOrEqual(2 + Math.floor(2200 / 500));
    // The EventSource's own first reconnect comes at once; from then on the client waits.
    for (const gap of gapsBetween(server.requests).slice(1)) expect(gap).toBeGreaterThanOrEqual(499);
  });

  it('tells a server `event: error` apart from a connection error', async () => {
    server = await startServer([
      (res) => {
        openStream(res);
        res.write('event: error\ndata: {"title":"Handler failed"}\n\ndata: {"n":1}\n\n');
      },
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url });
    const statuses = recordStatuses(subscription);
    const first = new Promise((resolve) => subscription.on('tick', resolve));
    expect(await first).toEqual({ n: 1 });
    subscription.close();
    expect(statuses).toEqual([
      { type: 'open' },
      { type: 'error', problem: { title: 'Handler failed' } },
      { type: 'closed', reason: 'client' },
    ]);
  });

  it('asks again over fetch when the EventSource is refused, to learn the status and stop on 401', async () => {
    server = await startServer([(res) => answerProblem(res, 401)]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { initialDelayMs: 10 } });
    const statuses = recordStatuses(subscription);
    const [error, closed] = await Promise.all([nextStatus(subscription, 'error'), nextStatus(subscription, 'closed')]);
    expect(error.status).toBe(401);
    expect(closed.reason).toBe('error');
    expect(statuses.map((status) => status.type)).toEqual(['error', 'closed']);
    expect(opened).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it('keeps using the EventSource, with backoff, while the server cannot be reached', async () => {
    const gone = await startServer([]);
    await gone.close();
    const subscription = subscribe<Events>(operation, { baseUrl: gone.url, reconnect: { initialDelayMs: 10, minDelayMs: 10 } });
    const statuses = recordStatuses(subscription);
    await vi.waitFor(() => expect(opened.length).toBeGreaterThanOrEqual(3));
    subscription.close();
    const errors = statuses.filter((status) => status.type === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(2);
    // Errors of the EventSource path, not of a fetch fallback.
    for (const error of errors) expect(String(error.error)).toContain('Cannot reach');
  });

  it('sends cookies cross-origin only when credentials are `include`', async () => {
    server = await startServer([(res) => openStream(res)]);
    for (const credentials of ['include', 'same-origin'] as const) {
      const subscription = subscribe<Events>(operation, { baseUrl: server.url, credentials });
      await nextStatus(subscription, 'open');
      subscription.close();
    }
    expect(withCredentials).toEqual([true, false]);
  });

  it('is not used when headers are configured', async () => {
    server = await startServer([(res) => openStream(res)]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, headers: { authorization: 'Bearer t' } });
    await nextStatus(subscription, 'open');
    subscription.close();
    expect(opened).toEqual([]);
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer t');
  });
});
