import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createSseApp, type ConnectionManager, type SseStream } from '../../runtime/index.js';
import type { Runtime } from '../../runtime/runtime.js';
import { listen, service, streamEndpoint, waitUntil } from './helpers.js';

type Events = { tick: { n: number } };

/** Opens a stream on a raw socket, waits for its opening comment, then drops the socket. */
async function cycle(port: number): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
  let received = '';
  await new Promise<void>((resolve) =>
    socket.on('data', (chunk) => {
      received += String(chunk);
      if (received.includes(': ok\n')) resolve();
    }),
  );
  socket.destroy();
}

/** Resources keeping the process alive, counted by type. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Types whose count grew since `before`. */
function grown(before: Record<string, number>): string[] {
  return Object.entries(resources()).filter(([type, count]) => count > (before[type] ?? 0)).map(([type]) => type);
}

describe('connection lifecycle', () => {
  it('leaves no connections, timers or listeners behind after 5,000 connect/disconnect cycles', async () => {
    let aborted = 0;
    const app = createSseApp<{ stream: ConnectionManager<Events> }>(service(streamEndpoint({ heartbeatMs: 5 })), {
      stream: async (stream: SseStream<Events>) => {
        stream.signal.addEventListener('abort', () => aborted++);
        stream.send('tick', { n: 1 });
        await stream.closed;
      },
    });
    const running = await listen(app);
    const runtime = app.sse as unknown as Runtime<unknown>;
    await cycle(running.port);
    await waitUntil(() => runtime.size === 0);
    const before = { resources: resources(), listeners: running.server.listenerCount('connection') + running.server.listenerCount('request') };

    const total = 5000;
    const concurrency = 100;
    let started = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (started < total) {
          started++;
          await cycle(running.port);
        }
      }),
    );
    await waitUntil(() => runtime.size === 0, 5000, 'every stream to be released');
    await waitUntil(() => grown(before.resources).length === 0, 5000, 'sockets to be freed');

    expect(aborted).toBe(total + 1);
    expect(app.sse.connections.stream.count()).toBe(0);
    expect(runtime.timers).toBe(0);
    expect(grown(before.resources)).toEqual([]);
    expect(running.server.listenerCount('connection') + running.server.listenerCount('request')).toBe(before.listeners);
    await running.close();
  }, 120_000); // 5,000 round trips: about 17 s on an idle 2-core machine, far longer under load
});
