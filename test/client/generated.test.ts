import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient, type ChatMessage, type PriceUpdate } from '../../generated/client/index.js';
import { validators } from '../../generated/client/validators.js';
import { createApp, type Connections, type Handlers } from '../../generated/server.js';
import { MemoryReplayer, type Identity, type SseApp } from '../../runtime/index.js';
import { nextStatus } from './wait.js';

const stayOpen = async (stream: { closed: Promise<void> }) => {
  await stream.closed;
};

/** Just enough of each operation to exercise the client; the demo's real handlers live in handlers/. */
const handlers: Handlers = {
  streamPrices: stayOpen,
  async *streamSelectedPrices(_stream, { body }) {
    for (const [index, symbol] of body.symbols.entries()) {
      yield { event: 'priceUpdate', data: { symbol, price: 100 + index, change: 0, timestamp: 1_700_000_000_000 } };
    }
  },
  streamNotifications: stayOpen,
  createNotification: () => undefined,
  createTask: () => ({ status: 201, body: { taskId: 't1' } }),
  streamTaskProgress: stayOpen,
  streamChatRoom: stayOpen,
  streamChatRooms: stayOpen,
  postChannelMessage: () => undefined,
  streamMetrics: stayOpen,
  streamLogs: stayOpen,
};

const chatMessage = (content: string): ChatMessage => ({
  id: `m-${content}`,
  channel: 'general',
  userId: 'u2',
  content,
  timestamp: '2026-01-01T00:00:00.000Z',
});

const broadcast = (app: SseApp<Connections>, content: string) =>
  app.sse.connections.streamChatRoom.broadcast('message', chatMessage(content), { topic: { channel: 'general' } });

/** The Authorization header of every request to a secured endpoint, in order. */
const authorizations: string[] = [];
function authenticate(req: { get(name: string): string | undefined }): Identity | null {
  const header = req.get('authorization') ?? '';
  authorizations.push(header);
  return header.startsWith('Bearer user-') ? { id: 'u1' } : null;
}

const running = new Set<{ app: SseApp<Connections>; server: Server }>();
afterEach(async () => {
  for (const instance of running) await stop(instance);
  authorizations.length = 0;
});

async function listen(app: SseApp<Connections>, port = 0) {
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
  });
  const instance = { app, server };
  running.add(instance);
  return { ...instance, port: (server.address() as AddressInfo).port };
}

async function stop(instance: { app: SseApp<Connections>; server: Server }): Promise<void> {
  running.delete(instance);
  await instance.app.sse.close({ deadlineMs: 1000 });
  await new Promise((resolve) => instance.server.close(resolve));
}

/** Cuts every connection at once, as a crashed process would; no shutdown event is sent. */
async function crash(instance: { app: SseApp<Connections>; server: Server }): Promise<void> {
  instance.server.closeAllConnections();
  await new Promise((resolve) => instance.server.close(resolve));
}

describe('generated client against the generated server', () => {
  it('delivers typed, validated events, and posts with a typed reply', async () => {
    const app = createApp(handlers, { authenticate });
    const { port } = await listen(app);
    const client = createClient({ baseUrl: `http://127.0.0.1:${port}`, headers: { authorization: 'Bearer user-1' }, validators });
    const room = client.streamChatRoom({ params: { channel: 'general' } });
    const invalid = vi.fn();
    room.onInvalid(invalid);
    const message = new Promise<ChatMessage>((resolve) => room.on('message', resolve));
    await nextStatus(room, 'open');
    app.sse.connections.streamChatRoom.broadcast('message', chatMessage('two\nlines\nevent: not-a-field'), { topic: { channel: 'general' } });
    expect(await message).toEqual(chatMessage('two\nlines\nevent: not-a-field'));
    expect(await client.createTask({ body: {} })).toEqual({ taskId: 't1' });
    room.close();
    expect(invalid).not.toHaveBeenCalled();
  });

  it('streams a POST body and delivers data-only events under their typed key', async () => {
    const { port } = await listen(createApp(handlers, { authenticate }));
    const client = createClient({ baseUrl: `http://127.0.0.1:${port}` });
    const prices = client.streamSelectedPrices({ body: { symbols: ['ACME', 'INIT'], interval: 100 } });
    const symbols: string[] = [];
    for await (const event of prices) {
      const update: PriceUpdate = event.data;
      symbols.push(`${event.event} ${update.symbol} ${update.price}`);
      if (symbols.length === 2) break;
    }
    expect(symbols).toEqual(['priceUpdate ACME 100', 'priceUpdate INIT 101']);
  });

  it.each([
    ['a graceful restart', stop],
    ['a crash and restart', crash],
  ])('receives every message exactly once across %s, with a fresh token on reconnect', async (_, goDown) => {
    const replayer = new MemoryReplayer();
    const first = await listen(createApp(handlers, { authenticate, replayer }));
    let token = 0;
    const client = createClient({
      baseUrl: `http://127.0.0.1:${first.port}`,
      headers: () => ({ authorization: `Bearer user-${++token}` }),
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    const room = client.streamChatRoom({ params: { channel: 'general' } });
    const received: string[] = [];
    const gaps = vi.fn();
    room.on('message', (message) => received.push(message.content));
    room.onGap(gaps);
    await nextStatus(room, 'open');
    for (const content of ['1', '2', '3']) broadcast(first.app, content);
    await vi.waitFor(() => expect(received).toEqual(['1', '2', '3']));

    await goDown(first);
    const second = createApp(handlers, { authenticate, replayer });
    // Published while no server listens: only replay (Last-Event-ID) can bring these to the client.
    broadcast(second, '4');
    broadcast(second, '5');
    await listen(second, first.port);
    await vi.waitFor(() => expect(received).toEqual(['1', '2', '3', '4', '5']), { timeout: 8000 });
    broadcast(second, '6');
    await vi.waitFor(() => expect(received).toEqual(['1', '2', '3', '4', '5', '6']));
    room.close();

    expect(gaps).not.toHaveBeenCalled();
    expect(room.lastEventId).toMatch(/^[0-9a-z]{8}-6$/);
    expect(authorizations).toHaveLength(2);
    expect(authorizations[0]).toBe('Bearer user-1');
    expect(authorizations[1]).not.toBe('Bearer user-1');
  });
});
