import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createSseApp, type ConnectionManager, type SseStream } from '../../runtime/index.js';
import { listen, RawClient, service, streamEndpoint, waitUntil, type Running } from './helpers.js';

type Events = { tick: { n: number } };

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

function sample(text: string, metric: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(metric + ' '));
  return line === undefined ? undefined : Number(line.slice(metric.length + 1));
}

describe('metrics', () => {
  it('serves open connections, events, bytes, auth failures and replayed events in Prometheus format', async () => {
    const registry = new Registry();
    const app = createSseApp<{ feed: ConnectionManager<Events> }>(
      service(
        streamEndpoint({
          operationId: 'feed',
          replay: { maxEvents: 10, ttlMs: 60_000 },
          security: [{ schemes: [{ name: 'key', type: 'httpApiKey', in: 'header', paramName: 'X-Key' }], scopes: [] }],
        }),
      ),
      { feed: (stream: SseStream<Events>) => stream.closed },
      { metrics: { registry, path: '/internal/metrics' }, authenticate: (req) => (req.get('x-key') === 'k' ? { id: 'k' } : null) },
    );
    running = await listen(app);

    const refused = await fetch(`${running.url}/stream`);
    expect(refused.headers.get('www-authenticate')).toBe('ApiKey realm="Test service", header="X-Key"');
    const feed = app.sse.connections.feed;
    feed.broadcast('tick', { n: 1 });
    feed.broadcast('tick', { n: 2 });
    // An id of no history this server knows: `sse-reset`, then the two events it holds.
    const client = await RawClient.get(running.port, '/stream', { 'X-Key': 'k', 'Last-Event-ID': '0' });
    await client.waitFor((c) => c.events().length === 3);
    feed.broadcast('tick', { n: 3 });
    await client.waitFor((c) => c.events().length === 4);
    const frameBytes = Buffer.byteLength(`id: ${client.events()[3]!.id}\nevent: tick\ndata: {"n":3}\n\n`);

    const response = await fetch(`${running.url}/internal/metrics`);
    expect(response.headers.get('content-type')).toBe(registry.contentType);
    const text = await response.text();
    expect(sample(text, 'sse_open_connections{operation="feed"}')).toBe(1);
    expect(sample(text, 'sse_events_sent_total{operation="feed"}')).toBe(1);
    expect(sample(text, 'sse_bytes_sent_total{operation="feed"}')).toBe(frameBytes);
    expect(sample(text, 'sse_replayed_events_total{operation="feed"}')).toBe(2);
    expect(sample(text, 'sse_auth_failures_total{operation="feed",status="401"}')).toBe(1);

    client.close();
    await waitUntil(() => feed.count() === 0);
    expect(sample(await registry.metrics(), 'sse_open_connections{operation="feed"}')).toBe(0);
  });
});
