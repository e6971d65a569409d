import { Ajv } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError, subscribe, type ClientOptions, type StreamOperationSpec } from '../../runtime/client/index.js';
import { createSseApp, type Identity, type SecurityRequirement, type ServiceSpec, type SseApp } from '../../runtime/index.js';
import { listen, type Running } from '../listen.js';
import { pause } from './sse-server.js';
import { nextStatus, recordStatuses } from './wait.js';

/** Refusals of the runtime the demo spec does not all produce: a role, a per-identity cap of 1, a body schema. */
const bearer: SecurityRequirement[] = [{ schemes: [{ name: 'bearer', type: 'http', scheme: 'bearer' }], scopes: [] }];
const chat = { chat: { sseEvent: 'chat', contentType: 'application/json' } } as const;
const service: ServiceSpec = {
  title: 'Refusals',
  version: '1.0.0',
  endpoints: [
    {
      kind: 'stream',
      operationId: 'streamRoom',
      method: 'GET',
      path: '/rooms/:room/stream',
      specPath: '/rooms/{room}/stream',
      paramNames: ['room'],
      security: bearer,
      events: chat,
      retryMs: 1000,
      maxConnectionsPerIdentity: 1,
    },
    {
      kind: 'stream',
      operationId: 'streamAdmin',
      method: 'GET',
      path: '/admin/stream',
      specPath: '/admin/stream',
      paramNames: [],
      security: bearer,
      roles: ['admin'],
      events: chat,
    },
    {
      kind: 'stream',
      operationId: 'streamPrices',
      method: 'POST',
      path: '/prices/stream',
      specPath: '/prices/stream',
      paramNames: [],
      security: [],
      body: new Ajv().compile({ type: 'object', properties: { symbols: { type: 'array' } }, required: ['symbols'] }),
      events: chat,
    },
  ],
};

const stayOpen = async (stream: { closed: Promise<void> }) => stream.closed;
const handlers = { streamRoom: stayOpen, streamAdmin: stayOpen, streamPrices: stayOpen };

/** The client-side view of the same operations. */
const streamRoom: StreamOperationSpec = {
  operationId: 'streamRoom',
  method: 'GET',
  path: '/rooms/{room}/stream',
  events: { chat: { key: 'chat', contentType: 'application/json' } },
  secured: true,
};
const streamAdmin: StreamOperationSpec = { ...streamRoom, operationId: 'streamAdmin', path: '/admin/stream' };
const streamPrices: StreamOperationSpec = { ...streamRoom, operationId: 'streamPrices', method: 'POST', path: '/prices/stream', secured: false };

type Events = { chat: { n: number } };

function authenticate(req: { get(name: string): string | undefined }): Identity | null {
  return req.get('authorization') === 'Bearer user' ? { id: 'u1' } : null;
}

let running: { app: SseApp<unknown>; server: Running } | undefined;
afterEach(async () => {
  await running?.app.sse.close({ deadlineMs: 1000 });
  await running?.server.close();
});

async function start(): Promise<string> {
  const app = createSseApp<unknown>(service, handlers, { authenticate });
  running = { app, server: await listen(app) };
  return running.server.url;
}

describe('client against the runtime: refusals', () => {
  it.each([
    ['400 for an invalid POST body', streamPrices, 'Bearer user', 400],
    ['401 without a token', streamRoom, undefined, 401],
    ['403 without the role', streamAdmin, 'Bearer user', 403],
    ['404 for an unknown path', { ...streamRoom, path: '/nowhere' }, 'Bearer user', 404],
  ] as const)('does not reconnect after %s', async (_, operation, authorization, status) => {
    const baseUrl = await start();
    const headers: Record<string, string> = authorization ? { authorization } : {};
    const subscription = subscribe<Events>(
      operation,
      { baseUrl, headers, reconnect: { initialDelayMs: 10 } },
      { params: { room: 'r' }, body: { symbols: 'not a list' } },
    );
    const statuses = recordStatuses(subscription);
    const iteration = (async () => {
      for await (const event of subscription) void event;
    })();
    await expect(iteration).rejects.toBeInstanceOf(HttpError);
    await pause(100);
    expect(statuses.map((s) => s.type)).toEqual(['error', 'closed']);
    expect(statuses[0]).toMatchObject({ status, problem: { status } });
  });

  it('honours Retry-After on 429 from the per-identity limit', async () => {
    const baseUrl = await start();
    const options: ClientOptions = { baseUrl, headers: { authorization: 'Bearer user' }, reconnect: { initialDelayMs: 10 } };
    const first = subscribe<Events>(streamRoom, options, { params: { room: 'a' } });
    await nextStatus(first, 'open');
    const second = subscribe<Events>(streamRoom, options, { params: { room: 'a' } });
    const [error, reconnecting] = await Promise.all([nextStatus(second, 'error'), nextStatus(second, 'reconnecting')]);
    expect(error.status).toBe(429);
    expect(reconnecting.delayMs).toBe(1000);
    first.close();
    await nextStatus(second, 'open');
    second.close();
  });
});
