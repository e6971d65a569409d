import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSseApp, diagnosticsChannels, type ConnectionManager, type SseStream } from '../../runtime/index.js';
import { listen, service, streamEndpoint, waitUntil, type Running } from './helpers.js';

/**
 * `/steady` sends about 3 MB/s, so the kernel's buffers of a paused reader's socket (about
 * 4 MB on Linux loopback) fill within seconds, while the byte cap of 64 MB would take another
 * 20 s to reach. `/burst` sends 6 MB at once, then nothing: only the heartbeat sees the stall.
 */
const EVENT_BYTES = 32 * 1024;
const STALL_MS = 1000;
const DROPPED_WITHIN_MS = 10_000;
type Events = { tick: unknown };
const pad = { pad: 'x'.repeat(EVENT_BYTES) };

const app = createSseApp<Record<string, ConnectionManager<Events>>>(
  service(streamEndpoint({ operationId: 'steady', path: '/steady', heartbeatMs: 200 }), streamEndpoint({ operationId: 'burst', path: '/burst', heartbeatMs: 200 })),
  {
    steady: (stream: SseStream<Events>) => {
      const timer = setInterval(() => stream.send('tick', pad), 10);
      stream.signal.addEventListener('abort', () => clearInterval(timer));
      return stream.closed;
    },
    burst: (stream: SseStream<Events>) => {
      for (let i = 0; i < 200; i++) stream.send('tick', pad);
      return stream.closed;
    },
  },
  { maxBufferedBytes: 64 * 1024 * 1024, slowClientTimeoutMs: STALL_MS },
);
let running: Running;
beforeAll(async () => {
  running = await listen(app);
});
afterAll(() => running.close());

describe('a paused reader', () => {
  it.each(['steady', 'burst'])('of /%s is disconnected once its socket has not drained for slowClientTimeoutMs, long before its backlog reaches the byte cap', async (operationId) => {
    const dropped: unknown[] = [];
    const onDropped = (message: unknown) => dropped.push(message);
    diagnosticsChannels.slowClientDropped.subscribe(onDropped);
    const socket = connect(running.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`GET /${operationId} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await once(socket, 'data');
    socket.pause();
    await waitUntil(() => dropped.length > 0, DROPPED_WITHIN_MS, 'the paused reader to be dropped');
    diagnosticsChannels.slowClientDropped.unsubscribe(onDropped);
    expect(dropped).toEqual([expect.objectContaining({ operationId, droppedEvents: 0 })]);
    expect(app.sse.connections[operationId]!.count()).toBe(0);
    // What the kernel still held for it arrives, then the end.
    const closed = once(socket, 'close');
    socket.resume();
    await closed;
  });
});
