import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { createParser } from 'eventsource-parser';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createSseApp, diagnosticsChannels, type AppOptions, type ConnectionManager, type SseApp, type SseStream } from '../../runtime/index.js';
import { listen, service, streamEndpoint, waitUntil, type Running } from './helpers.js';

type Events = { tick: { n: number; pad: string } };
type Connections = { stream: ConnectionManager<Events> };
const MiB = 1024 * 1024;

/** A raw HTTP/1.0 client that parses as it reads and keeps only counts. */
class CountingClient {
  events = 0;
  lastN = 0;
  ended = false;
  private constructor(readonly socket: Socket) {}

  static async open(port: number, paused = false): Promise<CountingClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const client = new CountingClient(socket);
    socket.on('close', () => (client.ended = true));
    socket.on('error', () => (client.ended = true));
    socket.write('GET /stream HTTP/1.0\r\nHost: x\r\n\r\n');
    if (paused) {
      socket.pause();
      return client;
    }
    const parser = createParser({
      onEvent: (event) => {
        client.events++;
        client.lastN = JSON.parse(event.data).n;
      },
    });
    let inBody = false;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      if (!inBody) {
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return;
        inBody = true;
        text = text.slice(end + 4);
      }
      parser.feed(text);
    });
    return client;
  }
}

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function serve(options: AppOptions): Promise<SseApp<Connections>> {
  const app = createSseApp<Connections>(service(streamEndpoint()), { stream: (stream: SseStream<Events>) => stream.closed }, options);
  running = await listen(app);
  return app;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('backpressure', () => {
  it('drops a paused client at its byte cap while 200 others receive every broadcast, in bounded memory', async () => {
    const app = await serve({});
    const manager = app.sse.connections.stream;
    const dropped: unknown[] = [];
    const onDrop = (message: unknown) => dropped.push(message);
    diagnosticsChannels.slowClientDropped.subscribe(onDrop);

    const clients = await Promise.all(Array.from({ length: 200 }, () => CountingClient.open(running!.port)));
    const paused = await CountingClient.open(running!.port, true);
    await waitUntil(() => manager.count() === 201, 5000, '201 open streams');

    const pad = 'x'.repeat(4000);
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakHeap = baseline.heapUsed;
    let sent = 0;
    // Broadcast in small batches so the readers get their turn, until the paused client is dropped.
    while (dropped.length === 0 && sent < 5000) {
      for (let i = 0; i < 10; i++) {
        const delivered = manager.broadcast('tick', { n: ++sent, pad });
        expect(delivered).toBeGreaterThanOrEqual(200);
      }
      await nextTurn();
      const memory = process.memoryUsage();
      peakRss = Math.max(peakRss, memory.rss);
      peakHeap = Math.max(peakHeap, memory.heapUsed);
    }
    diagnosticsChannels.slowClientDropped.unsubscribe(onDrop);
    expect(dropped).toEqual([expect.objectContaining({ operationId: 'stream', policy: 'disconnect' })]);
    expect(manager.count()).toBe(200);

    for (let i = 0; i < 10; i++) manager.broadcast('tick', { n: ++sent, pad });
    await waitUntil(() => clients.every((c) => c.events === sent), 10_000, 'every normal client to receive every event');
    expect(clients.every((c) => c.lastN === sent && !c.ended)).toBe(true);
    paused.socket.resume();
    await waitUntil(() => paused.ended, 5000, 'the dropped client to see its socket closed');

    const frameBytes = 4000 + 40;
    const rssGrowth = (peakRss - baseline.rss) / MiB;
    const heapGrowth = (peakHeap - baseline.heapUsed) / MiB;
    console.info(
      `paused client dropped after ${sent - 10} broadcasts (${((sent - 10) * frameBytes / MiB).toFixed(1)} MiB per client, ` +
        `${((sent - 10) * frameBytes * 200 / MiB).toFixed(0)} MiB delivered in all); peak growth: rss ${rssGrowth.toFixed(1)} MiB, heap ${heapGrowth.toFixed(1)} MiB`,
    );
    // Measured on a 2-core Linux box: the paused client was dropped after ~4.9 MiB (1 MiB queue, the rest
    // in kernel socket buffers) with rss +38 MiB and heap +17 MiB at peak while ~1 GiB went to the 200
    // readers. The bound below leaves room for their transient buffers; an unbounded queue would grow
    // with every broadcast instead.
    expect(heapGrowth).toBeLessThan(64);
    expect(rssGrowth).toBeLessThan(128);
    for (const client of clients) client.socket.destroy();
  });

  it('drop-oldest keeps a slow client connected with at most its byte cap queued', async () => {
    const registry = new Registry();
    const app = await serve({ slowClientPolicy: 'drop-oldest', maxBufferedBytes: 64 * 1024, metrics: { registry } });
    const manager = app.sse.connections.stream;
    const drops: number[] = [];
    const onDrop = (message: unknown) => drops.push((message as { droppedEvents: number }).droppedEvents);
    diagnosticsChannels.slowClientDropped.subscribe(onDrop);
    const paused = await CountingClient.open(running!.port, true);
    await waitUntil(() => manager.count() === 1);
    const pad = 'x'.repeat(4000);
    let sent = 0;
    while (drops.length === 0 && sent < 20_000) {
      for (let i = 0; i < 10; i++) manager.broadcast('tick', { n: ++sent, pad });
      await nextTurn();
    }
    for (let i = 0; i < 100; i++) manager.broadcast('tick', { n: ++sent, pad });
    diagnosticsChannels.slowClientDropped.unsubscribe(onDrop);
    expect(drops.length).toBeGreaterThan(0);
    const dropped = (await registry.getSingleMetric('sse_events_dropped_total')!.get()).values[0]!.value;
    expect(dropped).toBe(drops.reduce((sum, n) => sum + n, 0));
    expect(paused.ended).toBe(false);
    expect(manager.count()).toBe(1);

    const parser = createParser({ onEvent: (event) => seen.push(JSON.parse(event.data).n) });
    const seen: number[] = [];
    paused.socket.setEncoding('utf8');
    let inBody = false;
    paused.socket.on('data', (text: string) => {
      if (!inBody) {
        inBody = true;
        text = text.slice(text.indexOf('\r\n\r\n') + 4);
      }
      parser.feed(text);
    });
    paused.socket.resume();
    await waitUntil(() => seen.at(-1) === sent, 5000, 'the newest event to arrive');
    expect(seen.length).toBeLessThan(sent);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    paused.socket.destroy();
  });
});
