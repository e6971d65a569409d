import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpError, post, subscribe, type ClientOptions, type GapInfo, type PostOperationSpec, type StreamOperationSpec } from '../../client/index.js';
import {
  createSseApp,
  MemoryReplayer,
  type ConnectionManager,
  type Identity,
  type SecurityRequirement,
  type ServiceSpec,
  type SseApp,
} from '../../runtime/index.js';
import { nextStatus, recordStatuses } from './wait.js';

interface ChatMessage {
  n: number;
}
/** A type alias: the runtime's EventMap bound needs an index signature, which interfaces lack. */
type RoomEvents = { chat: ChatMessage };
interface PriceEvents {
  priceUpdate: { symbol: string; price: number };
}
interface Connections {
  streamRoom: ConnectionManager<RoomEvents, { room: string }>;
}

const bearer: SecurityRequirement[] = [{ schemes: [{ name: 'bearer', type: 'http', scheme: 'bearer' }], scopes: [] }];
const ajv = new Ajv();

const service: ServiceSpec = {
  title: 'Client integration',
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
      events: { chat: { sseEvent: 'chat', contentType: 'application/json' } },
      retryMs: 50,
      replay: { maxEvents: 100, ttlMs: 60_000 },
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
      events: { chat: { sseEvent: 'chat', contentType: 'application/json' } },
    },
    {
      kind: 'stream',
      operationId: 'streamPrices',
      method: 'POST',
      path: '/prices/stream',
      specPath: '/prices/stream',
      paramNames: [],
      security: [],
      body: ajv.compile({ type: 'object', properties: { symbols: { type: 'array', items: { type: 'string' } } }, required: ['symbols'] }),
      events: { priceUpdate: { sseEvent: null, contentType: 'application/json' } },
    },
    {
      kind: 'receive',
      operationId: 'postMessage',
      method: 'POST',
      path: '/rooms/:room/messages',
      specPath: '/rooms/{room}/messages',
      paramNames: ['room'],
      security: bearer,
      contentType: 'application/json',
    },
  ],
};

const handlers = {
  streamRoom: async (stream: { closed: Promise<void> }) => stream.closed,
  streamAdmin: async (stream: { closed: Promise<void> }) => stream.closed,
  async *streamPrices(_stream: unknown, { body }: { body: { symbols: string[] } }) {
    for (const [index, symbol] of body.symbols.entries()) yield { event: 'priceUpdate', data: { symbol, price: 100 + index } };
  },
  postMessage: ({ params, body, connections }: { params: { room: string }; body: ChatMessage; connections: Connections }) => {
    connections.streamRoom.broadcast('chat', body, { topic: { room: params.room } });
  },
};

/** The client-side view of the same operations, as the generator describes them. */
const streamRoom: StreamOperationSpec = {
  operationId: 'streamRoom',
  method: 'GET',
  path: '/rooms/{room}/stream',
  events: { chat: { key: 'chat', contentType: 'application/json' } },
  secured: true,
};
const postMessage: PostOperationSpec = {
  operationId: 'postMessage',
  method: 'POST',
  path: '/rooms/{room}/messages',
  contentType: 'application/json',
};
const streamAdmin: StreamOperationSpec = { ...streamRoom, operationId: 'streamAdmin', path: '/admin/stream' };
const streamPrices: StreamOperationSpec = {
  operationId: 'streamPrices',
  method: 'POST',
  path: '/prices/stream',
  events: { message: { key: 'priceUpdate', contentType: 'application/json' } },
  secured: false,
};

/** Tokens `user-…` are user u1, `admin-…` is an admin; the header of every request is recorded. */
const authorizations: string[] = [];
function authenticate(req: { get(name: string): string | undefined }): Identity | null {
  const header = req.get('authorization') ?? '';
  authorizations.push(header);
  if (header.startsWith('Bearer user-')) return { id: 'u1' };
  if (header.startsWith('Bearer admin-')) return { id: 'admin', roles: ['admin'] };
  return null;
}

const servers = new Set<{ app: SseApp<Connections>; server: Server }>();
afterEach(async () => {
  for (const running of servers) await stop(running);
  authorizations.length = 0;
});

async function start(replayer = new MemoryReplayer(), port = 0) {
  const app = createSseApp<Connections>(service, handlers, { authenticate, replayer });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
  });
  const running = { app, server };
  servers.add(running);
  return { ...running, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stop(running: { app: SseApp<Connections>; server: Server }): Promise<void> {
  servers.delete(running);
  await running.app.sse.close({ deadlineMs: 1000 });
  await new Promise((resolve) => running.server.close(resolve));
}

describe('client against the runtime', () => {
  it('receives every broadcast exactly once across a server restart, with a fresh token on reconnect', async () => {
    const replayer = new MemoryReplayer();
    const first = await start(replayer);
    let token = 0;
    const options: ClientOptions = {
      baseUrl: first.baseUrl,
      headers: () => ({ authorization: `Bearer user-${++token}` }),
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    };
    const room = subscribe<RoomEvents>(streamRoom, options, { params: { room: 'general' } });
    const received: number[] = [];
    const gaps: GapInfo[] = [];
    room.on('chat', (message) => received.push(message.n));
    room.onGap((gap) => gaps.push(gap));
    await nextStatus(room, 'open');
    const sender: ClientOptions = { baseUrl: first.baseUrl, headers: { authorization: 'Bearer user-sender' } };
    for (const n of [1, 2, 3]) await post(postMessage, sender, { params: { room: 'general' }, body: { n } });
    await vi.waitFor(() => expect(received).toEqual([1, 2, 3]));

    const port = (first.server.address() as AddressInfo).port;
    await stop(first);
    const second = createSseApp<Connections>(service, handlers, { authenticate, replayer });
    // Published while no server listens: only replay can bring these to the client.
    for (const n of [4, 5]) second.sse.connections.streamRoom.broadcast('chat', { n }, { topic: { room: 'general' } });
    const server = await new Promise<Server>((resolve) => {
      const listening = second.listen(port, '127.0.0.1', () => resolve(listening));
    });
    servers.add({ app: second, server });
    await vi.waitFor(() => expect(received).toEqual([1, 2, 3, 4, 5]), { timeout: 5000 });
    second.sse.connections.streamRoom.broadcast('chat', { n: 6 }, { topic: { room: 'general' } });
    await vi.waitFor(() => expect(received).toEqual([1, 2, 3, 4, 5, 6]));
    room.close();

    expect(gaps).toEqual([]);
    expect(room.lastEventId).toBe('6');
    const streamTokens = authorizations.filter((header) => header !== 'Bearer user-sender');
    expect(streamTokens).toHaveLength(2);
    expect(streamTokens[0]).toBe('Bearer user-1');
    expect(streamTokens[1]).not.toBe(streamTokens[0]);
  });

  it('streams a POST body and delivers data-only events under their typed key', async () => {
    const { baseUrl } = await start();
    const prices = subscribe<PriceEvents>(streamPrices, { baseUrl }, { body: { symbols: ['ACME', 'INIT'] } });
    const updates: Array<{ symbol: string; price: number }> = [];
    prices.on('priceUpdate', (update) => updates.push(update));
    await vi.waitFor(() => expect(updates).toEqual([{ symbol: 'ACME', price: 100 }, { symbol: 'INIT', price: 101 }]));
    prices.close();
  });

  it('stops on a 400 for an invalid POST body', async () => {
    const { baseUrl } = await start();
    const prices = subscribe<PriceEvents>(streamPrices, { baseUrl }, { body: { symbols: 'ACME' } });
    const error = await nextStatus(prices, 'error');
    expect(error.status).toBe(400);
    expect(prices.state).toBe('closed');
  });

  it.each([
    ['401 without a token', streamRoom, undefined, 401],
    ['403 without the role', streamAdmin, 'Bearer user-1', 403],
    ['404 for an unknown path', { ...streamRoom, path: '/nowhere' }, 'Bearer user-1', 404],
  ] as const)('does not reconnect after %s', async (_, operation, authorization, status) => {
    const { baseUrl } = await start();
    const headers: Record<string, string> = authorization ? { authorization } : {};
    const subscription = subscribe<RoomEvents>(operation, { baseUrl, headers, reconnect: { initialDelayMs: 10 } }, { params: { room: 'r' } });
    const statuses = recordStatuses(subscription);
    await expect((async () => { for await (const event of subscription) void event; })()).rejects.toBeInstanceOf(HttpError);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statuses.map((s) => s.type)).toEqual(['error', 'closed']);
    expect(statuses[0]).toMatchObject({ status, problem: { status } });
  });

  it('honours Retry-After on 429 from the per-identity limit', async () => {
    const { baseUrl } = await start();
    const options: ClientOptions = { baseUrl, headers: { authorization: 'Bearer user-1' }, reconnect: { initialDelayMs: 10 } };
    const first = subscribe<RoomEvents>(streamRoom, options, { params: { room: 'a' } });
    await nextStatus(first, 'open');
    const second = subscribe<RoomEvents>(streamRoom, options, { params: { room: 'a' } });
    const [error, reconnecting] = await Promise.all([nextStatus(second, 'error'), nextStatus(second, 'reconnecting')]);
    expect(error.status).toBe(429);
    expect(reconnecting.delayMs).toBe(1000);
    first.close();
    await nextStatus(second, 'open');
    second.close();
  });
});
