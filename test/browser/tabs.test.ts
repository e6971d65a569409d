import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launchBrowser } from './chromium.js';
import { startDemoProcess, type DemoProcess } from '../demo/process.js';
import { openStreams, watchConsole } from './dashboard-pages.js';

const TABS = 8;

describeBrowser('the dashboard in eight tabs of one browser, over HTTP/1.1', () => {
  let server: DemoProcess;
  let browser: Browser;
  let context: BrowserContext;
  const tabs: Page[] = [];
  const consoleErrors: string[] = [];

  async function openTab(): Promise<Page> {
    const page = await context.newPage();
    watchConsole(page, consoleErrors);
    await page.goto(`${server.url}/?as=u1`);
    await page.locator('#prices .state[data-state="open"]').waitFor({ timeout: 60_000 });
    tabs.push(page);
    return page;
  }

  async function postChat(content: string): Promise<void> {
    const response = await fetch(`${server.url}/channels/general/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer user2-token', 'content-type': 'application/json' },
      body: JSON.stringify({ content }),
    });
    expect(response.status).toBe(202);
  }

  const chatMessages = (page: Page) => page.locator('#chat li.message').allTextContents();

  beforeAll(async () => {
    [server, browser] = await Promise.all([startDemoProcess(), launchBrowser()]);
    context = await browser.newContext();
    // The first tab leads every stream: the others queue for each stream's lock behind it.
    await openTab();
    for (let i = 1; i < TABS; i++) await openTab();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows live prices and chat in every tab, over one connection per distinct stream', async () => {
    for (const page of tabs) {
      const updated = page.locator('#prices tbody tr').first().locator('td').nth(3);
      const first = await updated.textContent();
      await expect.poll(() => updated.textContent(), { timeout: 30_000 }).not.toBe(first);
      await expect.poll(() => page.locator('#chat .state').getAttribute('data-state'), { timeout: 30_000 }).toBe('open');
      expect(await page.locator('#logs .state').textContent()).toBe('admin only');
    }
    await postChat('hello, eight tabs');
    for (const page of tabs) await expect.poll(() => chatMessages(page), { timeout: 30_000 }).toEqual(['u2hello, eight tabs']);
    expect(await openStreams(server.url)).toEqual({ streamPrices: 1, streamChatRoom: 1, streamNotifications: 1 });
  }, 300_000);

  it('loses and duplicates no chat message when the leading tab closes', async () => {
    const sent = ['hello, eight tabs'];
    for (let i = 1; i <= 30; i++) {
      if (i === 15) await tabs.shift()!.close();
      const content = `message ${i}`;
      await postChat(content);
      sent.push(content);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const expected = sent.map((content) => `u2${content}`);
    for (const page of tabs) await expect.poll(() => chatMessages(page), { timeout: 60_000 }).toEqual(expected);
    expect(await openStreams(server.url)).toEqual({ streamPrices: 1, streamChatRoom: 1, streamNotifications: 1 });
  }, 300_000);

  it('logs no error in any tab console', () => {
    expect(consoleErrors).toEqual([]);
  });
});
