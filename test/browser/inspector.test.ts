import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Request } from 'express';
import { createSseApp, type Identity, type SseApp, type SseStream } from '../../runtime/index.js';
import { channelStreamEndpoint, listen, RawClient, service, type Running } from '../runtime/helpers.js';
import { describeBrowser, launchBrowser, screenshot } from './chromium.js';

const USERS: Record<string, Identity> = { 'admin-token': { id: 'root', roles: ['admin'] }, 'user-token': { id: 'alice' } };
const authenticate = (req: Request): Identity | null => USERS[/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? ''] ?? null;

describeBrowser('the connection inspector in Chromium', () => {
  let app: SseApp<unknown>;
  let server: Running;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    app = createSseApp(
      service(channelStreamEndpoint({ security: [{ schemes: [{ name: 'bearer', type: 'http', scheme: 'bearer' }], scopes: [] }], replay: { maxEvents: 10, ttlMs: 60_000 } })),
      {
        channelStream: (stream: SseStream<{ tick: unknown }>) => {
          stream.metadata.plan = 'pro';
          return stream.closed;
        },
      },
      { authenticate, inspector: { authorize: (identity) => identity?.roles?.includes('admin') ?? false, intervalMs: 200 } },
    );
    [server, browser] = await Promise.all([listen(app), launchBrowser()]);
    // The admin's browser sends its credentials with every request, the page's EventSource included.
    page = await (await browser.newContext({ extraHTTPHeaders: { Authorization: 'Bearer admin-token' } })).newPage();
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await app?.sse.close({ deadlineMs: 100 });
    await server?.close();
  });

  it('updates as a stream opens and closes', async () => {
    await page.goto(`${server.url}/inspector`);
    const operation = page.locator('section[data-operation="channelStream"]');
    await expect.poll(() => operation.locator('b.open').textContent(), { timeout: 5000 }).toBe('0');
    const stream = await RawClient.get(server.port, '/channels/news/stream', { Authorization: 'Bearer user-token' });
    await expect.poll(() => operation.locator('b.open').textContent(), { timeout: 5000 }).toBe('1');
    const row = operation.locator('tr[data-connection]');
    expect(await row.locator('td').allTextContents()).toEqual([expect.any(String), 'news', 'alice', '{"plan":"pro"}', expect.stringMatching(/ms|s$/), '', '0 B', '']);
    const connections = app.sse.connections as Record<string, { broadcast(event: string, data: unknown, options?: object): number }>;
    connections.channelStream!.broadcast('tick', { price: 42 }, { topic: { channel: 'news' } });
    await expect.poll(() => operation.locator('td.data').last().textContent(), { timeout: 5000 }).toBe('{"price":42}');
    await screenshot(page, 'inspector');
    stream.close();
    await expect.poll(() => operation.locator('b.open').textContent(), { timeout: 5000 }).toBe('0');
    expect(await operation.locator('tr[data-connection]').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('answers a browser without authority with a 401 problem', async () => {
    const stranger = await (await browser.newContext()).newPage();
    const response = await stranger.goto(`${server.url}/inspector`);
    expect([response?.status(), response?.headers()['content-type']]).toEqual([401, 'application/problem+json; charset=utf-8']);
    await stranger.context().close();
  });
});
