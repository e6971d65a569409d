import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MemoryReplayer } from '../../runtime/index.js';
import type { DemoApp } from '../../demo/app.js';
import { createTestDemo, listen, type RunningDemo } from '../demo/harness.js';
import { describeBrowser, launchBrowser, screenshot } from './chromium.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHANNEL = 'restart';

function say(demo: DemoApp, content: string): void {
  const message = { id: `m-${content}`, channel: CHANNEL, userId: 'u2', content, timestamp: new Date().toISOString() };
  demo.sse.connections.streamChatRoom.broadcast('message', message, { topic: { channel: CHANNEL } });
}

const received = (page: Page) => page.locator('#feed li.message').allTextContents();

describeBrowser('the built client package in Chromium', () => {
  let packageDir: string;
  let browser: Browser;
  const running = new Set<RunningDemo>();

  beforeAll(async () => {
    packageDir = await mkdtemp(join(tmpdir(), 'asyncapi-sse-client-'));
    [browser] = await Promise.all([
      launchBrowser(),
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'generator/commands/bin.ts', 'build-client', '--out', packageDir], { cwd: ROOT }),
    ]);
  }, 60_000);
  afterAll(async () => {
    for (const demo of running) await demo.stop();
    await browser?.close();
    await rm(packageDir, { recursive: true, force: true });
  });

  async function start(demo: DemoApp, port?: number): Promise<RunningDemo> {
    const started = await listen(demo, port);
    running.add(started);
    return started;
  }

  it('shows live events and loses none across a server restart', async () => {
    // The replay store outlives the process, as a shared store (Redis, say) would.
    const replayer = new MemoryReplayer();
    const options = { replayer, clientPackageDir: packageDir };
    const first = await start(await createTestDemo(options));
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${first.url}/sdk?as=u1&channel=${CHANNEL}`);
    const state = page.locator('#feed .state');
    await expect.poll(() => state.textContent(), { timeout: 5000 }).toBe('open');

    for (const content of ['one', 'two', 'three']) say(first, content);
    await expect.poll(() => received(page), { timeout: 5000 }).toEqual(['one', 'two', 'three']);

    await first.stop();
    running.delete(first);
    await expect.poll(() => state.getAttribute('data-state'), { timeout: 5000 }).toBe('reconnecting');
    const second = await createTestDemo(options);
    // Sent while no server listens: only replay after Last-Event-ID can bring these to the page.
    say(second, 'four');
    say(second, 'five');
    await start(second, first.port);
    await expect.poll(() => received(page), { timeout: 10_000 }).toEqual(['one', 'two', 'three', 'four', 'five']);
    say(second, 'six');
    await expect.poll(() => received(page), { timeout: 5000 }).toEqual(['one', 'two', 'three', 'four', 'five', 'six']);
    expect(await state.textContent()).toBe('open');
    expect(await page.locator('#signals').textContent()).toBe('No gap, no reset.');
    await screenshot(page, 'client-package-after-restart');
  }, 30_000);

});
