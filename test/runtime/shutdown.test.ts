import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { createSseApp, type ConnectionManager, type SseStream } from '../../runtime/index.js';
import type { Runtime } from '../../runtime/runtime.js';
import { listen, RawClient, service, streamEndpoint, waitUntil } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/shutdown-server.ts', import.meta.url));

describe('graceful shutdown', () => {
  it('ends 1,000 open streams within the deadline, tells each client to come back, and the process exits', async () => {
    const deadlineMs = 3000;
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, String(deadlineMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    const reports: Array<Record<string, number>> = [];
    lines.on('line', (line) => reports.push(JSON.parse(line)));
    await waitUntil(() => reports.length === 1, 15_000, 'the server to start');
    const port = reports[0]!.port!;

    const clients: RawClient[] = [];
    for (let i = 0; i < 1000; i += 100) {
      clients.push(...(await Promise.all(Array.from({ length: 100 }, () => RawClient.get(port, '/stream', {}, '1.1')))));
    }
    await waitUntil(() => clients.every((c) => c.body.includes(': ok\n')), 10_000, '1,000 open streams');

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(reports[1]!.closedInMs).toBeLessThanOrEqual(deadlineMs);
    await waitUntil(() => clients.every((c) => c.ended), 5000, 'every socket to be closed');
    for (const client of clients) {
      expect(client.body).toContain('retry: 1000\nevent: sse-shutdown\ndata: {}\n\n');
      expect(client.body.endsWith('0\r\n\r\n')).toBe(true);
    }
  });

  it('destroys at the deadline a stream whose client stopped reading', async () => {
    type Events = { tick: { pad: string } };
    const app = createSseApp<{ stream: ConnectionManager<Events> }>(service(streamEndpoint()), { stream: (stream: SseStream<Events>) => stream.closed }, {
      maxBufferedBytes: 16 * 1024 * 1024,
    });
    const running = await listen(app);
    const stalled = connect(running.port, '127.0.0.1');
    await once(stalled, 'connect');
    stalled.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    stalled.pause();
    const manager = app.sse.connections.stream;
    await waitUntil(() => manager.count() === 1);
    const pad = 'x'.repeat(16_000);
    // 8 MB: more than loopback kernel buffers hold (about 4 MB), less than the 16 MiB queue cap.
    for (let i = 0; i < 500; i++) {
      manager.broadcast('tick', { pad });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(manager.count()).toBe(1);

    const started = Date.now();
    await app.sse.close({ deadlineMs: 300 });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(manager.count()).toBe(0);
    expect((app.sse as unknown as Runtime<unknown>).timers).toBe(0);
    stalled.resume();
    await once(stalled, 'close');
    await running.close();
  });
});
