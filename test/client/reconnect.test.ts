import { Ajv } from 'ajv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  HttpError,
  subscribe,
  type ClientOptions,
  type GapInfo,
  type InvalidEvent,
  type ResetInfo,
  type StreamOperationSpec,
} from '../../runtime/client/index.js';
import { answerProblem, openStream, pause, startServer, type Responder, type TestServer } from './sse-server.js';
import { nextStatus, recordStatuses } from './wait.js';

interface Tick {
  n: number;
}
interface Events {
  tick: Tick;
  note: string;
}

const operation: StreamOperationSpec = {
  operationId: 'ticks',
  method: 'GET',
  path: '/ticks',
  events: {
    tick: { key: 'tick', contentType: 'application/json' },
    note: { key: 'note', contentType: 'text/plain' },
  },
  secured: false,
};

const tick = (n: number, id: number | string = n) => `id: ${id}\nevent: tick\ndata: {"n":${n}}\n\n`;

/** Answers by cutting the connection: a network error for the client. */
const dropConnection: Responder = (res) => res.socket?.destroy();

let server: TestServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
});

function ticksOf(subscription: ReturnType<typeof subscribe<Events>>): number[] {
  const seen: number[] = [];
  subscription.on('tick', (data) => seen.push(data.n));
  return seen;
}

describe('reconnection', () => {
  it('sends Last-Event-ID and freshly read headers on every attempt', async () => {
    server = await startServer([
      (res) => {
        openStream(res);
        res.end(`retry: 20\n\n${tick(1)}${tick(2)}`);
      },
      (res) => {
        openStream(res);
        res.write(tick(3));
      },
    ]);
    let token = 0;
    const subscription = subscribe<Events>(operation, {
      baseUrl: server.url,
      headers: async () => ({ authorization: `Bearer token-${++token}` }),
      reconnect: { minDelayMs: 0 },
    });
    const seen = ticksOf(subscription);
    const reconnecting = await nextStatus(subscription, 'reconnecting');
    await nextStatus(subscription, 'open');
    await vi.waitFor(() => expect(seen).toEqual([1, 2, 3]));
    subscription.close();
    const [first, second] = server.requests;
    expect(reconnecting).toEqual({ type: 'reconnecting', attempt: 1, delayMs: 20 });
    expect(first?.headers['authorization']).toBe('Bearer token-1');
    expect(first?.headers['last-event-id']).toBeUndefined();
    expect(second?.headers['authorization']).toBe('Bearer token-2');
    expect(second?.headers['last-event-id']).toBe('2');
    expect(subscription.lastEventId).toBe('3');
  });

  it('resumes after the id given in the request', async () => {
    server = await startServer([(res) => openStream(res)]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url }, { lastEventId: '41' });
    const [request] = await server.waitForRequests(1);
    subscription.close();
    expect(request?.headers['last-event-id']).toBe('41');
  });

  /**
   * With Math.random at 0.5: the server sends `retry:`, then drops the stream, then drops
   * `failures` more connections; returns each reconnect's attempt number and delay.
   */
  async function delaysAfterDrops(retryMs: number, failures: number, reconnect?: ClientOptions['reconnect']) {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    server = await startServer([
      (res) => {
        openStream(res);
        res.write(`retry: ${retryMs}\n\n`);
        setTimeout(() => res.socket?.destroy(), 20);
      },
      ...Array<Responder>(failures).fill(dropConnection),
      (res) => openStream(res),
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect });
    const statuses = recordStatuses(subscription);
    await server.waitForRequests(failures + 2);
    await nextStatus(subscription, 'open');
    subscription.close();
    expect(statuses.filter((status) => status.type === 'error')).toHaveLength(failures + 1);
    return statuses.flatMap((status) => (status.type === 'reconnecting' ? [[status.attempt, status.delayMs]] : []));
  }

  it('backs off exponentially with full jitter, capped, from the server retry after network errors', async () => {
    expect(await delaysAfterDrops(40, 3, { minDelayMs: 0, maxDelayMs: 100 })).toEqual([
      [1, 20],
      [2, 40],
      [3, 50],
      [4, 50],
    ]);
  });

  it('doubles the delay from the 500 ms floor after `retry: 0`, so failures never loop tightly', async () => {
    expect(await delaysAfterDrops(0, 2)).toEqual([
      [1, 500],
      [2, 500],
      [3, 1000],
    ]);
  });

  it.each([400, 401, 403, 404])('stops without reconnecting on %i and reports the problem', async (status) => {
    server = await startServer([(res) => answerProblem(res, status)]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { initialDelayMs: 10 } });
    const statuses = recordStatuses(subscription);
    const iteration = (async () => {
      for await (const event of subscription) void event;
    })();
    await expect(iteration).rejects.toThrow(HttpError);
    await pause(100);
    expect(server.requests).toHaveLength(1);
    expect(statuses).toEqual([
      { type: 'error', status, problem: { type: 'about:blank', title: `Status ${status}`, status } },
      { type: 'closed', reason: 'error' },
    ]);
    expect(subscription.state).toBe('closed');
  });

  it('stops on 204 No Content and ends iteration without error', async () => {
    server = await startServer([(res) => res.writeHead(204).end()]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { initialDelayMs: 10 } });
    const events = [];
    for await (const event of subscription) events.push(event);
    await pause(50);
    expect(events).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('waits Retry-After seconds on 429', async () => {
    server = await startServer([(res) => answerProblem(res, 429, { 'retry-after': '1' }), (res) => openStream(res)]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { initialDelayMs: 10 } });
    const reconnecting = await nextStatus(subscription, 'reconnecting');
    const [first, second] = await server.waitForRequests(2);
    subscription.close();
    expect(reconnecting.delayMs).toBe(1000);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('waits until the Retry-After date on 503', async () => {
    const retryAt = new Date(Date.now() + 2000).toUTCString();
    server = await startServer([(res) => answerProblem(res, 503, { 'retry-after': retryAt }), (res) => openStream(res)]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { initialDelayMs: 10 } });
    const reconnecting = await nextStatus(subscription, 'reconnecting');
    subscription.close();
    expect(reconnecting.delayMs).toBeGreaterThan(900);
    expect(reconnecting.delayMs).toBeLessThanOrEqual(2000);
  });

  it('retries a 500 with backoff', async () => {
    server = await startServer([(res) => answerProblem(res, 500), (res) => openStream(res)]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { initialDelayMs: 10 } });
    await nextStatus(subscription, 'open');
    subscription.close();
    expect(server.requests).toHaveLength(2);
  });

  it('reconnects after the server announces shutdown, without reporting an error', async () => {
    server = await startServer([
      (res) => {
        openStream(res);
        res.end(`${tick(1)}retry: 30\nevent: sse-shutdown\ndata: {}\n\n`);
      },
      (res) => {
        openStream(res);
        res.write(tick(2));
      },
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { minDelayMs: 0 } });
    const statuses = recordStatuses(subscription);
    const seen = ticksOf(subscription);
    await vi.waitFor(() => expect(seen).toEqual([1, 2]));
    subscription.close();
    expect(statuses.map((status) => status.type)).toEqual(['open', 'reconnecting', 'open', 'closed']);
    expect(statuses[1]).toEqual({ type: 'reconnecting', attempt: 1, delayMs: 30 });
  });

  it('reports a handler failure sent as `event: error`', async () => {
    server = await startServer([
      (res) => {
        openStream(res);
        res.write('event: error\ndata: {"title":"Handler failed","status":500}\n\n');
      },
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url });
    const error = await nextStatus(subscription, 'error');
    subscription.close();
    expect(error).toEqual({ type: 'error', problem: { title: 'Handler failed', status: 500 } });
  });

  it('reconnects when the stream stays silent past idleTimeoutMs, and not while heartbeats arrive', async () => {
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    server = await startServer([
      (res) => openStream(res),
      (res) => {
        openStream(res);
        heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 20);
        res.on('close', () => clearInterval(heartbeat));
      },
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, idleTimeoutMs: 100, reconnect: { initialDelayMs: 10 } });
    const error = await nextStatus(subscription, 'error');
    await nextStatus(subscription, 'open');
    await pause(300);
    subscription.close();
    expect(String(error.error)).toContain('No data for 100 ms');
    expect(server.requests).toHaveLength(2);
  });

  it('refuses a relative URL outside a browser page at once', () => {
    expect(() => subscribe<Events>(operation, { baseUrl: '' })).toThrow('set ClientOptions.baseUrl to an absolute URL');
  });

  it('fails without retrying when the answer is not an event stream', async () => {
    server = await startServer([(res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>')]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { initialDelayMs: 10 } });
    const [error, closed] = await Promise.all([nextStatus(subscription, 'error'), nextStatus(subscription, 'closed')]);
    expect(closed.reason).toBe('error');
    expect(error.status).toBe(200);
    expect(String(error.error)).toContain('text/html');
    expect(server.requests).toHaveLength(1);
  });
});

describe('delivery', () => {
  /** The gaps a subscription reports on a stream that sends `frames`, once it has received them all. */
  async function gapsReported(frames: string[]): Promise<GapInfo[]> {
    server = await startServer([
      (res) => {
        openStream(res);
        res.write(frames.join(''));
      },
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url });
    const gaps: GapInfo[] = [];
    subscription.onGap((gap) => gaps.push(gap));
    const seen = ticksOf(subscription);
    await vi.waitFor(() => expect(seen).toHaveLength(frames.length));
    subscription.close();
    return gaps;
  }

  it('reports gaps between sequential ids, not between other ids', async () => {
    const gaps = await gapsReported([tick(1), tick(2), tick(5), tick(6, 'a'), tick(7, 9)]);
    expect(gaps).toEqual([{ lastEventId: '2', id: '5', missed: 2 }]);
  });

  it('reports gaps within one epoch of `<epoch>-<n>` ids, and none when a new epoch starts again at 1', async () => {
    const gaps = await gapsReported([tick(1, 'k3x9q2ab-7'), tick(2, 'k3x9q2ab-8'), tick(3, 'k3x9q2ab-11'), tick(4, '00zz11aa-1'), tick(5, '00zz11aa-2')]);
    expect(gaps).toEqual([{ lastEventId: 'k3x9q2ab-8', id: 'k3x9q2ab-11', missed: 2 }]);
  });

  it('counts only places `n` of `<epoch>-<n>.<k>` ids: addressed events skip one another freely, a skipped place is a gap', async () => {
    const gaps = await gapsReported([tick(1, 'k3x9q2ab-1'), tick(2, 'k3x9q2ab-1.2'), tick(3, 'k3x9q2ab-1.5'), tick(4, 'k3x9q2ab-2'), tick(5, 'k3x9q2ab-4.1'), tick(6, 'k3x9q2ab-5')]);
    // Place 3, and place 4 that `4.1` comes after, never arrived.
    expect(gaps).toEqual([{ lastEventId: 'k3x9q2ab-2', id: 'k3x9q2ab-4.1', missed: 2 }]);
  });

  it('sends events that fail the validator to onInvalid, not to the typed handler', async () => {
    const ajv = new Ajv();
    const validators = {
      ticks: {
        tick: ajv.compile({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }),
      },
    };
    server = await startServer([
      (res) => {
        openStream(res);
        res.write(`${tick(1)}event: tick\ndata: {"n":"two"}\n\nevent: tick\ndata: {broken\n\n${tick(3)}`);
      },
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, validators });
    const invalid: InvalidEvent[] = [];
    subscription.onInvalid((event) => invalid.push(event));
    const seen = ticksOf(subscription);
    await vi.waitFor(() => expect(seen).toEqual([1, 3]));
    subscription.close();
    expect(invalid).toEqual([
      { event: 'tick', id: null, data: { n: 'two' }, errors: [{ instancePath: '/n', message: 'must be integer' }] },
      { event: 'tick', id: null, data: '{broken', errors: [{ instancePath: '', message: 'is not valid JSON' }] },
    ]);
  });

  it('calls onReset when the server cannot replay, keeps streaming, and reports no gap for the jump', async () => {
    server = await startServer([
      (res) => {
        openStream(res);
        res.write(`event: sse-reset\ndata: {"reason":"replay-unavailable","lastEventId":"3"}\n\n${tick(90)}`);
      },
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url }, { lastEventId: '3' });
    const resets: ResetInfo[] = [];
    const gaps: GapInfo[] = [];
    subscription.onReset((reset) => resets.push(reset));
    subscription.onGap((gap) => gaps.push(gap));
    const seen = ticksOf(subscription);
    await vi.waitFor(() => expect(seen).toEqual([90]));
    subscription.close();
    expect(resets).toEqual([{ reason: 'replay-unavailable', lastEventId: '3' }]);
    expect(gaps).toEqual([]);
  });

  it('delivers `event: error` as a typed event when the operation declares it', async () => {
    server = await startServer([
      (res) => {
        openStream(res);
        res.write('event: error\ndata: {"code":7}\n\n');
      },
    ]);
    const declaresError: StreamOperationSpec = { ...operation, events: { error: { key: 'failure', contentType: 'application/json' } } };
    const subscription = subscribe<{ failure: { code: number } }>(declaresError, { baseUrl: server.url });
    const statuses = recordStatuses(subscription);
    const failure = await new Promise((resolve) => subscription.on('failure', resolve));
    subscription.close();
    expect(failure).toEqual({ code: 7 });
    expect(statuses.map((status) => status.type)).toEqual(['open', 'closed']);
  });

  it('stops and releases the connection when the request signal aborts', async () => {
    server = await startServer([
      (res) => {
        openStream(res);
        res.write(tick(1));
      },
    ]);
    const controller = new AbortController();
    const subscription = subscribe<Events>(operation, { baseUrl: server.url }, { signal: controller.signal });
    const seen = ticksOf(subscription);
    await vi.waitFor(() => expect(seen).toEqual([1]));
    const closed = nextStatus(subscription, 'closed');
    controller.abort();
    expect(await closed).toEqual({ type: 'closed', reason: 'client' });
    await server.requests[0]?.closed;
    await pause(50);
    expect(server.requests).toHaveLength(1);
  });

  it('yields a discriminated union when iterated, and closes the stream when the loop is left', async () => {
    server = await startServer([
      (res) => {
        openStream(res);
        res.write(`${tick(1)}event: note\ndata: hello\n\n${tick(2)}`);
      },
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url });
    const summary: string[] = [];
    for await (const event of subscription) {
      if (event.event === 'tick') summary.push(`tick ${event.data.n} #${event.id}`);
      else summary.push(`note ${event.data.toUpperCase()}`);
      if (summary.length === 3) break;
    }
    expect(summary).toEqual(['tick 1 #1', 'note HELLO', 'tick 2 #2']);
    expect(subscription.state).toBe('closed');
    await server.requests[0]?.closed;
  });

  it('sends the body of a POST stream as JSON', async () => {
    server = await startServer([
      (res) => {
        openStream(res);
        res.write(tick(1));
      },
    ]);
    const postOperation: StreamOperationSpec = { ...operation, method: 'POST', path: '/ticks/{room}' };
    const subscription = subscribe<Events>(
      postOperation,
      { baseUrl: `${server.url}/` },
      { params: { room: 'a b' }, query: { tag: ['x', 'y'], limit: 3 }, body: { from: 1 } },
    );
    const seen = ticksOf(subscription);
    await vi.waitFor(() => expect(seen).toEqual([1]));
    subscription.close();
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/ticks/a%20b?tag=x&tag=y&limit=3', body: '{"from":1}' });
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['accept']).toBe('text/event-stream');
  });
});
