import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { Request } from 'express';
import {
  createSseApp,
  MemoryBroadcaster,
  type Broadcaster,
  type BroadcasterStatus,
  type Identity,
  type InspectorSnapshot,
  type SseApp,
  type SseStream,
} from '../../runtime/index.js';
import { channelStreamEndpoint, listen, RawClient, service, waitUntil, type Running } from './helpers.js';

const USERS: Record<string, Identity> = {
  'alice-s3cret-token': { id: 'alice', roles: ['user'], token: 'alice-s3cret-token', email: 'alice@example.test' },
  'admin-s3cret-token': { id: 'root', roles: ['admin'], token: 'admin-s3cret-token' },
};
const authenticate = (req: Request): Identity | null => USERS[/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? ''] ?? null;
const isAdmin = (identity: Identity | null) => identity?.roles?.includes('admin') ?? false;
const ADMIN = { Authorization: 'Bearer admin-s3cret-token' };
const ALICE = { Authorization: 'Bearer alice-s3cret-token', Cookie: 'session=c00kie-s3cret' };

type Events = { tick: unknown };

/** `/channels/:channel/stream` (replay kept), whose handler labels each stream with metadata. */
function inspectedApp(inspector: object = {}, broadcaster?: Broadcaster): SseApp<unknown> {
  const endpoint = channelStreamEndpoint({ security: [{ schemes: [{ name: 'bearer', type: 'http', scheme: 'bearer' }], scopes: [] }], replay: { maxEvents: 100, ttlMs: 60_000 } });
  return createSseApp(
    service(endpoint),
    {
      channelStream: (stream: SseStream<Events>) => {
        stream.metadata.client = 'test-suite';
        return stream.closed;
      },
    },
    { authenticate, broadcaster, inspector: { authorize: isAdmin, intervalMs: 50, ...inspector } },
  );
}

const running: Array<{ close(): Promise<void> }> = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const item of running.splice(0).reverse()) await item.close();
});

async function serve(app: SseApp<unknown>): Promise<Running> {
  const server = await listen(app);
  running.push(server, { close: () => app.sse.close({ deadlineMs: 100 }) });
  return server;
}

async function get(port: number, path: string, headers: Record<string, string> = {}): Promise<RawClient> {
  const client = await RawClient.get(port, path, headers);
  clients.push(client);
  return client;
}

const snapshots = (client: RawClient): InspectorSnapshot[] =>
  client
    .events()
    .filter((event) => event.event === 'snapshot')
    .map((event) => JSON.parse(event.data) as InspectorSnapshot);

/** The first snapshot on the inspector stream for which `holds` is true. */
async function snapshotWhere(inspector: RawClient, holds: (snapshot: InspectorSnapshot) => boolean, what: string): Promise<InspectorSnapshot> {
  await inspector.waitFor(() => snapshots(inspector).some(holds), 5000, what);
  return snapshots(inspector).find(holds)!;
}

/** The place of a replay id `<epoch>-<n>` in its topic's history. */
const placeOf = (id: string | null | undefined) => id?.slice(id.lastIndexOf('-') + 1);

describe('connection inspector: startup', () => {
  const nodeEnv = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = nodeEnv;
  });

  it('is refused without authorize outside development, with an error that says why', () => {
    process.env.NODE_ENV = 'production';
    expect(() => inspectedApp({ authorize: undefined })).toThrow(/inspector needs an authorize function.*NODE_ENV=development/);
  });

  it('opens to anyone in development when no authorize is given', async () => {
    process.env.NODE_ENV = 'development';
    const { port } = await serve(inspectedApp({ authorize: undefined }));
    const page = await get(port, '/inspector');
    await page.waitForEnd();
    expect(page.status).toBe(200);
  });

  it('is off by default', async () => {
    const app = createSseApp(service(channelStreamEndpoint()), { channelStream: (stream: SseStream<Events>) => stream.closed });
    const { port } = await serve(app);
    const page = await get(port, '/inspector');
    await page.waitForEnd();
    expect(page.status).toBe(404);
  });
});

describe('connection inspector over HTTP', () => {
  it('answers 401 problem+json to an anonymous caller and 403 to one authorize refuses, on the page and its stream', async () => {
    const { port } = await serve(inspectedApp());
    for (const path of ['/inspector', '/inspector/stream']) {
      const anonymous = await get(port, path);
      const refused = await get(port, path, ALICE);
      await Promise.all([anonymous.waitForEnd(), refused.waitForEnd()]);
      expect([anonymous.status, anonymous.header('content-type'), anonymous.header('www-authenticate')]).toEqual([401, 'application/problem+json; charset=utf-8', 'Bearer realm="Test service"']);
      expect(JSON.parse(anonymous.body)).toMatchObject({ status: 401, title: 'Unauthorized' });
      expect([refused.status, refused.header('content-type')]).toEqual([403, 'application/problem+json; charset=utf-8']);
      expect(JSON.parse(refused.body)).toMatchObject({ status: 403, title: 'Forbidden' });
    }
  });

  it('serves a self-contained page: only its own script, style and origin', async () => {
    const { port } = await serve(inspectedApp());
    const page = await get(port, '/inspector', ADMIN);
    await page.waitForEnd();
    expect([page.status, page.header('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(page.header('content-security-policy')).toMatch(/^default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; connect-src 'self'/);
    expect(page.body).not.toMatch(/<script[^>]+src=|<link|https?:\/\//);
  });

  it('answers HEAD on its stream with the stream headers and ends, holding no viewer', async () => {
    const { port } = await serve(inspectedApp());
    const head = await RawClient.open(port, 'HEAD /inspector/stream HTTP/1.0\r\nAuthorization: Bearer admin-s3cret-token\r\n\r\n');
    clients.push(head);
    await head.waitForEnd();
    expect([head.status, head.header('content-type'), head.body]).toEqual([200, 'text/event-stream; charset=utf-8', '']);
  });

  it('streams each open connection with its topic, identity id and metadata, and shows none of its secrets', async () => {
    const { port } = await serve(inspectedApp());
    const inspector = await get(port, '/inspector/stream', ADMIN);
    const stream = await get(port, '/channels/news/stream', ALICE);
    const seen = await snapshotWhere(inspector, (snapshot) => snapshot.operations[0]!.open === 1, 'the open stream');
    expect(seen.operations[0]).toMatchObject({
      operationId: 'channelStream',
      path: '/channels/{channel}/stream',
      replayable: true,
      open: 1,
      connections: [{ topic: 'news', params: { channel: 'news' }, identity: 'alice', metadata: '{"client":"test-suite"}', bufferedBytes: 0, waitingMs: null }],
      topics: [{ topic: 'news', connections: 1, replay: { events: 0, bytes: 0 } }],
    });
    stream.close();
    await snapshotWhere(inspector, (snapshot) => snapshot.operations[0]!.open === 0, 'the stream to close');
    expect(inspector.text).not.toMatch(/s3cret|alice@example|Bearer|Cookie|authorization/i);
  });

  it('measures event and byte rates and keeps the last events of each operation, their data cut short', async () => {
    const app = inspectedApp({ recentEvents: 3 });
    const { port } = await serve(app);
    const inspector = await get(port, '/inspector/stream', ADMIN);
    await get(port, '/channels/news/stream', ALICE);
    await snapshotWhere(inspector, (snapshot) => snapshot.operations[0]!.open === 1, 'the open stream');
    const manager = (app.sse.connections as Record<string, { broadcast(event: string, data: unknown, options?: object): number }>).channelStream!;
    for (let n = 1; n <= 10; n++) manager.broadcast('tick', { n, padding: 'x'.repeat(n === 10 ? 5000 : 0) }, { topic: { channel: 'news' } });
    const seen = await snapshotWhere(inspector, (snapshot) => snapshot.operations[0]!.eventsPerSecond > 0, 'a measured rate');
    const operation = seen.operations[0]!;
    expect(operation.eventsSent).toBe(10);
    expect(operation.bytesPerSecond).toBeGreaterThan(0);
    expect(operation.recentEvents.map((event) => [event.event, placeOf(event.id), event.topic])).toEqual([
      ['tick', '10', { channel: 'news' }],
      ['tick', '9', { channel: 'news' }],
      ['tick', '8', { channel: 'news' }],
    ]);
    expect(operation.recentEvents[0]).toMatchObject({ truncated: true, size: JSON.stringify({ n: 10, padding: 'x'.repeat(5000) }).length });
    expect(operation.recentEvents[0]!.data).toHaveLength(200);
    expect(operation.topics).toEqual([{ topic: 'news', connections: 1, replay: { events: 10, bytes: expect.any(Number) } }]);
  });

  it('stays the same size however many events and connections pass: the last events and the connections shown are capped', async () => {
    const app = inspectedApp({ recentEvents: 5 });
    const { port } = await serve(app);
    const manager = (app.sse.connections as Record<string, { broadcast(event: string, data: unknown, options?: object): number }>).channelStream!;
    for (let n = 0; n < 130; n++) await get(port, `/channels/c${n}/stream`, ALICE);
    const inspector = await get(port, '/inspector/stream', ADMIN);
    await snapshotWhere(inspector, (snapshot) => snapshot.operations[0]!.open === 130, 'every stream');
    const frameBytes = () => Buffer.byteLength(inspector.events().at(-1)!.data);
    // To a topic nobody follows: the inspector still sees each broadcast, the readers are spared 12 MB.
    const broadcastMany = async (from: number, payload: string) => {
      for (let n = from; n < from + 2000; n++) manager.broadcast('tick', { n, payload }, { topic: { channel: 'nobody' } });
      return snapshotWhere(inspector, (snapshot) => placeOf(snapshot.operations[0]!.recentEvents[0]?.id) === String(from + 2000), 'the last event');
    };
    await broadcastMany(0, 'y'.repeat(2000));
    const first = frameBytes();
    const seen = await broadcastMany(2000, 'z'.repeat(4000));
    const operation = seen.operations[0]!;
    expect([operation.open, operation.connections.length, operation.topics.length, operation.recentEvents.length]).toEqual([130, 100, 50, 5]);
    // Ids and times change by a few digits; the size does not follow the events (4 and 8 MB).
    expect(Math.abs(frameBytes() - first)).toBeLessThan(500);
  });

  it('shows a paused reader waiting for its socket to drain, with the bytes it holds back', async () => {
    const app = inspectedApp();
    const { port } = await serve(app);
    const inspector = await get(port, '/inspector/stream', ADMIN);
    const paused = await get(port, '/channels/slow/stream', ALICE);
    await snapshotWhere(inspector, (snapshot) => snapshot.operations[0]!.open === 1, 'the open stream');
    paused.socket.pause();
    const manager = (app.sse.connections as Record<string, { broadcast(event: string, data: unknown): number }>).channelStream!;
    const waiting = (snapshot: InspectorSnapshot) => snapshot.operations[0]!.waiting === 1;
    const chunk = 'w'.repeat(64 * 1024);
    await waitUntil(() => {
      manager.broadcast('tick', chunk);
      return snapshots(inspector).some(waiting);
    }, 5000, 'the paused reader to wait');
    const seen = snapshots(inspector).find(waiting)!;
    expect(seen.operations[0]!.connections[0]).toMatchObject({ identity: 'alice', waitingMs: expect.any(Number) });
    expect(seen.operations[0]!.connections[0]!.bufferedBytes).toBeGreaterThan(0);
  });

  it("follows a shared broadcaster's outages", async () => {
    const broadcaster = new WatchedBroadcaster();
    const { port } = await serve(inspectedApp({}, broadcaster));
    const inspector = await get(port, '/inspector/stream', ADMIN);
    await snapshotWhere(inspector, (snapshot) => snapshot.broadcaster.state === 'up', 'the broadcaster up');
    broadcaster.report({ state: 'down', error: new Error('connect ECONNREFUSED 127.0.0.1:6390') });
    const down = await snapshotWhere(inspector, (snapshot) => snapshot.broadcaster.state === 'down', 'the outage');
    expect(down.broadcaster).toMatchObject({ outages: 1, error: 'connect ECONNREFUSED 127.0.0.1:6390' });
    broadcaster.report({ state: 'up' });
    const up = await snapshotWhere(inspector, (snapshot) => snapshot.broadcaster.state === 'up' && snapshot.broadcaster.outages === 1, 'the end of the outage');
    expect(up.broadcaster.error).toBeNull();
  });
});

/** The in-process broadcaster, reporting outages as a shared one does (the Redis suite runs the real one). */
class WatchedBroadcaster extends MemoryBroadcaster {
  private readonly listeners = new Set<(status: BroadcasterStatus) => void>();

  watch(listener: (status: BroadcasterStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  report(status: BroadcasterStatus): void {
    for (const listener of this.listeners) listener(status);
  }
}

describe('connection inspector memory', () => {
  it('20,000 broadcasts of 10 KB (200 MB) while a page follows it: the heap stays within 2 MB of where it was after 2,000', async () => {
    // A process of its own, so that gc can be forced and the figures are this workload's alone.
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/runtime/fixtures/inspector-memory.ts'], { timeout: 90_000 });
    const { warm, after, snapshots } = JSON.parse(stdout) as Record<'warm' | 'after' | 'snapshots', number>;
    expect(snapshots).toBeGreaterThan(10);
    expect(after - warm).toBeLessThan(2 * 1024 * 1024);
  }, 120_000);
});
