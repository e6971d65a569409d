import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launchBrowser, screenshot } from './chromium.js';
import { startDemoProcess, type DemoProcess } from '../demo/process.js';
import { watchConsole } from './dashboard-pages.js';

describeBrowser('the dashboard in Chromium', () => {
  let server: DemoProcess;
  let browser: Browser;
  const pages: Record<string, Page> = {};
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startDemoProcess(), launchBrowser()]);
    // Each user in a browser of their own, as people are (a browser's six connections per host serve one user's tabs).
    for (const as of ['u1', 'u2', 'admin'] as const) {
      pages[as] = await (await browser.newContext()).newPage();
      watchConsole(pages[as], consoleErrors);
      await pages[as].setViewportSize({ width: 1200, height: 820 });
      await pages[as].goto(`${server.url}/?as=${as}`);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows prices that update', async () => {
    const page = pages.u1!;
    const rows = page.locator('#prices tbody tr');
    await expect.poll(() => rows.count(), { timeout: 5000 }).toBe(5);
    expect(await page.locator('#prices .state').getAttribute('data-state')).toBe('open');
    const updated = rows.first().locator('td').nth(3);
    const first = await updated.textContent();
    await expect.poll(() => updated.textContent(), { timeout: 5000 }).not.toBe(first);
    expect(await rows.first().locator('td.price').textContent()).toMatch(/^\d+\.\d\d$/);
  });

  it('runs a task to 100%', async () => {
    const page = pages.u1!;
    await page.click('#start-task');
    await expect.poll(() => page.locator('#task .task-percent').textContent(), { timeout: 10_000 }).toBe('100%');
    expect(await page.locator('#task .task-message').textContent()).toMatch(/^completed/);
    expect(await page.locator('#task .progress').getAttribute('aria-valuenow')).toBe('100');
  }, 15_000);

  it('exchanges chat messages between two pages', async () => {
    const [alice, bob] = [pages.u1!, pages.u2!];
    await expect.poll(() => bob.locator('#chat .members').textContent(), { timeout: 5000 }).toMatch(/u1, u2/);
    await alice.fill('#chat-form input', 'Hello Bob, from Alice');
    await alice.click('#chat-form button');
    await expect.poll(() => bob.locator('#chat li.message').last().textContent(), { timeout: 5000 }).toBe('u1Hello Bob, from Alice');
    await bob.locator('#chat-form input').pressSequentially('Hi Alice!');
    await expect.poll(() => alice.locator('#chat .typing').textContent(), { timeout: 5000 }).toBe('u2 is typing…');
    expect(await bob.locator('#chat .typing').textContent()).not.toContain('u2');
    await bob.press('#chat-form input', 'Enter');
    await expect.poll(() => alice.locator('#chat li.message').last().textContent(), { timeout: 5000 }).toBe('u2Hi Alice!');

    const latecomer = await (await browser.newContext()).newPage();
    await latecomer.goto(`${server.url}/?as=u2`);
    await expect.poll(() => latecomer.locator('#chat li.message').allTextContents(), { timeout: 5000 }).toEqual([
      'u1Hello Bob, from Alice',
      'u2Hi Alice!',
    ]);
    await latecomer.close();
  });

  it('renders the API documentation at /docs with the AsyncAPI react component', async () => {
    const docs = await (await browser.newContext()).newPage();
    await docs.setViewportSize({ width: 1600, height: 900 });
    await docs.goto(`${server.url}/docs`);
    await docs.locator('#asyncapi h1', { hasText: 'Real-time cookbook' }).waitFor({ state: 'attached', timeout: 15_000 });
    for (const text of ['/channels/{channel}/stream', 'PriceUpdate', 'notifications:read']) {
      expect(await docs.getByText(text).count(), text).toBeGreaterThan(0);
    }
    await screenshot(docs, 'docs', false);
  }, 20_000);

  it('shows metrics to the admin only', async () => {
    const admin = pages.admin!;
    await expect.poll(() => admin.locator('[data-figure="rss"]').textContent(), { timeout: 5000 }).toMatch(/^\d+ MiB$/);
    await expect.poll(() => admin.locator('#metrics polyline').getAttribute('points'), { timeout: 5000 }).toMatch(/ /);
    expect(await pages.u1!.locator('#metrics .locked').isVisible()).toBe(true);
    expect(await pages.u1!.locator('#metrics .state').textContent()).toBe('admin only');
    expect(await pages.admin!.locator('#notifications .state').textContent()).toBe('users only');
    for (const [as, page] of Object.entries(pages)) await screenshot(page, `dashboard-${as}`);
  });

  it("shows a user's notifications, and the server log to the admin only", async () => {
    const page = pages.u1!;
    await page.click('#notify-me');
    await expect.poll(() => page.locator('#notifications li.message').last().textContent(), { timeout: 5000 }).toMatch(/^HelloSent at /);
    await expect.poll(() => pages.admin!.locator('#logs li').allTextContents(), { timeout: 5000 }).toContainEqual(expect.stringMatching(/ info http POST \/notifications 202 /));
    expect(await page.locator('#logs .state').textContent()).toBe('admin only');
  });

  it('logs no error in any console: no stream an identity may not open is requested', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('shows each stream reconnecting while the server is away', async () => {
    await server.stop();
    const page = pages.u1!;
    for (const card of ['#prices', '#chat']) {
      await expect.poll(() => page.locator(`${card} .state`).getAttribute('data-state'), { timeout: 5000 }).toBe('reconnecting');
    }
    expect(await page.locator('#prices .state').textContent()).toMatch(/^reconnecting \(attempt \d+\)$/);
    await screenshot(page, 'dashboard-reconnecting');
  });
});
