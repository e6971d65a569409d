import { afterEach, describe, expect, it } from 'vitest';
import { subscribe, type StreamOperationSpec } from '../../runtime/client/index.js';
import { endWithRetryZero, gapsBetween, openStream, pause, startServer, type TestServer } from './sse-server.js';
import { nextStatus, recordStatuses } from './wait.js';

const operation: StreamOperationSpec = {
  operationId: 'notes',
  method: 'GET',
  path: '/notes',
  events: { message: { key: 'note', contentType: 'text/plain' } },
  secured: false,
};

interface Events {
  note: string;
}

/** The longest wait a timer holds; the documented cap of every reconnection delay. */
const LONGEST_WAIT_MS = 2 ** 31 - 1;

let server: TestServer | undefined;
afterEach(() => server?.close());

/** Node warnings emitted while `run` goes on. */
async function warningsDuring(run: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const record = (warning: Error) => warnings.push(warning.name);
  process.on('warning', record);
  try {
    await run();
  } finally {
    process.off('warning', record);
  }
  return warnings;
}

describe('a misbehaving server', () => {
  it.each([
    ['`retry:`', (res: Parameters<typeof openStream>[0]) => {
      openStream(res);
      res.end('retry: 3000000000\n\n');
    }],
    ['`Retry-After` on 503', (res: Parameters<typeof openStream>[0]) => {
      res.writeHead(503, { 'retry-after': '3000000' }).end();
    }],
  ])('asking for more than 2^31-1 ms by %s gets the longest wait, not a request loop', async (_, answer) => {
    server = await startServer([answer]);
    const warnings = await warningsDuring(async () => {
      const subscription = subscribe<Events>(operation, { baseUrl: server!.url });
      const reconnecting = await nextStatus(subscription, 'reconnecting');
      await pause(1000);
      subscription.close();
      expect(reconnecting.delayMs).toBe(LONGEST_WAIT_MS);
    });
    expect(server.requests).toHaveLength(1);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });

  it('sending `retry: 0` and closing every stream gets one attempt per 500 ms at most (120 a minute)', async () => {
    server = await startServer([endWithRetryZero]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url });
    const statuses = recordStatuses(subscription);
    await pause(2200);
    subscription.close();
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(server.requests.length).toBeLessThanOrEqual(1 + Math.floor(2200 / 500));
    // Date.now() rounds each end of a gap by under a millisecond.
    for (const gap of gapsBetween(server.requests)) expect(gap).toBeGreaterThanOrEqual(499);
    for (const status of statuses) if (status.type === 'reconnecting') expect(status.delayMs).toBe(500);
  });

  it('sending an id outside ASCII gets it back as its UTF-8 bytes in Last-Event-ID', async () => {
    const id = 'clé-…-😀';
    server = await startServer([
      (res) => {
        openStream(res);
        res.end(`id: ${id}\ndata: first\n\n`);
      },
      (res) => openStream(res),
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { initialDelayMs: 10 } });
    const statuses = recordStatuses(subscription);
    const [, second] = await server.waitForRequests(2);
    await nextStatus(subscription, 'open');
    subscription.close();
    expect(Buffer.from(String(second!.headers['last-event-id']), 'latin1')).toEqual(Buffer.from(id, 'utf8'));
    expect(statuses.filter((status) => status.type === 'error')).toEqual([]);
  });

  it('sending a block with `id:` and no `data:` moves the last event id on', async () => {
    server = await startServer([
      (res) => {
        openStream(res);
        res.end('id: 6\ndata: six\n\nid: 7\n\n');
      },
      (res) => openStream(res),
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { initialDelayMs: 10 } });
    const seen: Array<[string, string | null]> = [];
    subscription.on('note', (data, { id }) => seen.push([data, id]));
    const [, second] = await server.waitForRequests(2);
    subscription.close();
    expect(seen).toEqual([['six', '6']]);
    expect(second!.headers['last-event-id']).toBe('7');
    expect(subscription.lastEventId).toBe('7');
  });

  it('accepting the connection and never sending headers is dropped after idleTimeoutMs', async () => {
    server = await startServer([() => undefined, (res) => openStream(res)]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, idleTimeoutMs: 200, reconnect: { minDelayMs: 10 } });
    const error = await nextStatus(subscription, 'error');
    const [first, second] = await server.waitForRequests(2);
    await nextStatus(subscription, 'open');
    subscription.close();
    expect(String(error.error)).toContain('No data for 200 ms');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(200);
    expect(await Promise.race([first!.closed.then(() => 'closed'), pause(100).then(() => 'open')])).toBe('closed');
  });

  it.each([205, 210, 299])('answering %i fails the connection: only 200 is a stream', async (status) => {
    server = await startServer([
      (res) => {
        res.writeHead(status, { 'content-type': 'text/event-stream' });
        res.end(status === 205 ? '' : 'data: not a stream\n\n');
      },
    ]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { minDelayMs: 10 } });
    const received: string[] = [];
    subscription.on('note', (data) => received.push(data));
    const [error, closed] = await Promise.all([nextStatus(subscription, 'error'), nextStatus(subscription, 'closed')]);
    await pause(100);
    expect(error.status).toBe(status);
    expect(closed.reason).toBe('error');
    expect(received).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('answering with `Content-Type: text/event-stream-x` fails the connection', async () => {
    server = await startServer([(res) => res.writeHead(200, { 'content-type': 'text/event-stream-x' }).end('data: x\n\n')]);
    const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { minDelayMs: 10 } });
    const [error, closed] = await Promise.all([nextStatus(subscription, 'error'), nextStatus(subscription, 'closed')]);
    await pause(100);
    expect(String(error.error)).toContain('text/event-stream-x');
    expect(closed.reason).toBe('error');
    expect(server.requests).toHaveLength(1);
  });
});
