import { build } from 'esbuild';
import express from 'express';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DemoApp } from '../../demo/app.js';
import { createTestDemo } from '../demo/harness.js';
import { listen, type Running } from '../listen.js';
import { describeBrowser, launchBrowser } from './chromium.js';
import { openStreams, watchConsole } from './dashboard-pages.js';

/** A page exposing the client runtime and the demo's operations, for tests to subscribe with. */
const ENTRY = `
import { subscribe } from './runtime/client/index.ts';
import { operations } from './generated/client/index.ts';
window.openRoom = (token, channel, lastEventId) => {
  window.received = [];
  const room = subscribe(operations.streamChatRoom, { baseUrl: '', headers: { authorization: 'Bearer ' + token }, shareAcrossTabs: true }, { params: { channel }, lastEventId });
  room.on('message', (message, { id }) => window.received.push(id + ' ' + message.userId + ' ' + message.content));
  room.on('join', ({ userId }) => window.received.push('join ' + userId));
  window.room = room;
};`;

declare global {
  interface Window {
    openRoom(token: string, channel: string, lastEventId?: string): void;
    received: string[];
    room: { lastEventId: string | null };
  }
}

describeBrowser('shareAcrossTabs in Chromium', () => {
  let demo: DemoApp;
  let server: Running;
  let browser: Browser;
  let context: BrowserContext;
  const consoleErrors: string[] = [];
  /** The `Last-Event-ID` of each request to the id-only stream. */
  const idOnlyRequests: Array<string | null> = [];

  beforeAll(async () => {
    const bundled = await build({ stdin: { contents: ENTRY, resolveDir: new URL('../../', import.meta.url).pathname, loader: 'ts' }, bundle: true, write: false, format: 'esm', logLevel: 'silent', conditions: ['asyncapi-sse-source'] });
    demo = await createTestDemo();
    const app = express();
    app.get('/', (_req, res) => void res.type('html').send('<!doctype html><link rel="icon" href="data:,"><script type="module" src="/client.js"></script>'));
    app.get('/client.js', (_req, res) => void res.type('js').send(bundled.outputFiles[0]!.text));
    // A server whose stream moves the last event id with a block that has no data.
    app.get('/channels/id-only/stream', (req, res) => {
      idOnlyRequests.push(req.get('last-event-id') ?? null);
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': ok\n\nid: 7\n\n');
    });
    app.use(demo.app);
    [server, browser] = await Promise.all([listen(app), launchBrowser()]);
    context = await browser.newContext();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    await server?.close();
  });

  async function tab(token: string, channel: string, lastEventId?: string): Promise<Page> {
    const page = await context.newPage();
    watchConsole(page, consoleErrors);
    await page.goto(server.url);
    await page.waitForFunction(() => typeof window.openRoom === 'function');
    await page.evaluate(([token, channel, lastEventId]) => window.openRoom(token!, channel!, lastEventId), [token, channel, lastEventId]);
    return page;
  }

  const say = (channel: string, content: string) =>
    fetch(`${server.url}/channels/${channel}/messages`, { method: 'POST', headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' }, body: JSON.stringify({ content }) });
  const received = (page: Page) => page.evaluate(() => window.received);

  it('shares one connection among the tabs of one identity, never between identities', async () => {
    const [u1, u1Again, u2] = [await tab('user-token', 'shared'), await tab('user-token', 'shared'), await tab('user2-token', 'shared')];
    await expect.poll(() => received(u2), { timeout: 10_000 }).toContain('join u2');
    await say('shared', 'hi');
    for (const page of [u1, u1Again, u2]) await expect.poll(() => received(page), { timeout: 10_000 }).toContainEqual(expect.stringMatching(/^[0-9a-z]{8}-\d+ admin hi$/));
    // u1's two tabs joined once: one connection.
    expect((await received(u1Again)).filter((entry) => entry === 'join u1')).toHaveLength(1);
    expect(await openStreams(server.url)).toMatchObject({ streamChatRoom: 2 });
    for (const page of [u1, u1Again, u2]) await page.close();
  }, 60_000);

  it('gives a tab that opens later what the leading tab delivered since it started, without a new connection', async () => {
    const first = await tab('user-token', 'history', '0');
    await expect.poll(() => received(first), { timeout: 10_000 }).toEqual(['join u1']);
    for (const content of ['one', 'two', 'three']) await say('history', content);
    await expect.poll(() => received(first), { timeout: 10_000 }).toHaveLength(4);
    const late = await tab('user-token', 'history', '0');
    await expect.poll(() => received(late), { timeout: 10_000 }).toEqual(await received(first));
    expect(await openStreams(server.url)).toEqual({ streamChatRoom: 1 });
    await say('history', 'four');
    for (const page of [first, late]) await expect.poll(() => received(page), { timeout: 10_000 }).toHaveLength(5);
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('passes an id-only block on to the other tabs, so the tab that leads next resumes from it', async () => {
    const first = await tab('user-token', 'id-only');
    await expect.poll(() => first.evaluate(() => window.room.lastEventId), { timeout: 10_000 }).toBe('7');
    const second = await tab('user-token', 'id-only');
    await expect.poll(() => second.evaluate(() => window.room.lastEventId), { timeout: 10_000 }).toBe('7');
    expect(idOnlyRequests).toEqual([null]);
    await first.close();
    await expect.poll(() => idOnlyRequests, { timeout: 10_000 }).toEqual([null, '7']);
    await second.close();
  }, 30_000);
});
